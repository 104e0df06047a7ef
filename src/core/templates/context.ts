import type { Json, UserRecord } from '../user.ts';

export interface TemplateEvent {
  name: string;
  properties: Record<string, Json>;
}

export interface TemplateInbound {
  text: string;
  channel: string;
}

export interface TemplateCampaign {
  id: string;
  name: string;
}

/** The user as templates see it: standard attributes flat, custom attributes under `custom`. */
export interface TemplateUser {
  id: string;
  external_id: string | null;
  email: string | null;
  phone: string | null;
  line_id: string | null;
  first_name: string | null;
  last_name: string | null;
  dob: string | null;
  gender: string | null;
  country: string | null;
  language: string | null;
  home_city: string | null;
  time_zone: string | null;
  email_subscribe: string | null;
  custom: Record<string, Json>;
}

/** Everything a template can read (content blocks are added when rendering). Absent objects are null, so they render empty. */
export interface TemplateContext {
  user: TemplateUser;
  event: TemplateEvent | null;
  api: Record<string, Json>;
  inbound: TemplateInbound | null;
  campaign: TemplateCampaign;
}

export interface TemplateContextInput {
  user: UserRecord;
  event?: TemplateEvent;
  /** The trigger properties of an API-triggered send. */
  api?: Record<string, Json>;
  inbound?: TemplateInbound;
  campaign: TemplateCampaign;
}

export function buildTemplateContext(input: TemplateContextInput): TemplateContext {
  return {
    user: templateUser(input.user),
    event: input.event ? { name: input.event.name, properties: input.event.properties } : null,
    api: input.api ?? {},
    inbound: input.inbound ? { text: input.inbound.text, channel: input.inbound.channel } : null,
    campaign: { id: input.campaign.id, name: input.campaign.name },
  };
}

function templateUser(user: UserRecord): TemplateUser {
  const { standard } = user;
  return {
    id: user.id,
    external_id: user.external_id,
    email: user.email,
    phone: user.phone,
    line_id: user.line_id,
    first_name: standard.first_name ?? null,
    last_name: standard.last_name ?? null,
    dob: standard.dob ?? null,
    gender: standard.gender ?? null,
    country: standard.country ?? null,
    language: standard.language ?? null,
    home_city: standard.home_city ?? null,
    time_zone: standard.time_zone ?? null,
    email_subscribe: standard.email_subscribe ?? null,
    custom: user.custom,
  };
}
