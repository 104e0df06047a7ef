import type { Content } from '../schemas/content.ts';
import type { Channel, ChannelOf, ChannelType } from '../schemas/channel.ts';
import type { Json } from '../core/user.ts';
import { buildPayload as linePayload } from './line/payload.ts';
import { buildPayload as smtpPayload } from './smtp/payload.ts';
import { buildPayload as twilioSmsPayload } from './twilio-sms/payload.ts';
import { buildPayload as webhookPayload } from './webhook/payload.ts';

/** Exactly what the provider would receive (what the sandbox records), or why it cannot be sent. */
export type PayloadResult = { ok: true; payload: Json; details?: Record<string, Json> } | { ok: false; error: string };

export interface BuildOptions {
  /** The server's public base URL (settings.public_url); Twilio sends then carry a StatusCallback. */
  publicUrl?: string | null;
}

export type BuildPayload<C extends Channel = Channel> = (
  content: Content,
  recipient: string,
  channel: C,
  options?: BuildOptions,
) => PayloadResult;

export interface ChannelKind<T extends ChannelType> {
  buildPayload: BuildPayload<ChannelOf<T>>;
  /** The user column that addresses them on this channel; null: everyone, by external_id, else id. */
  addressField: 'line_id' | 'phone' | 'email' | null;
  /** The `channel_type` a subscription group must have to be this channel's group. */
  subscriptionChannelType: 'line' | 'sms' | 'email' | null;
}

/** The sandbox channel type has no provider: its payload is the content itself, addressed. */
function sandboxPayload(content: Content, recipient: string): PayloadResult {
  return { ok: true, payload: { to: recipient, content: content as Json } };
}

export const CHANNEL_TYPES: { readonly [T in ChannelType]: ChannelKind<T> } = {
  line: { buildPayload: linePayload, addressField: 'line_id', subscriptionChannelType: 'line' },
  twilio_sms: { buildPayload: twilioSmsPayload, addressField: 'phone', subscriptionChannelType: 'sms' },
  smtp: { buildPayload: smtpPayload, addressField: 'email', subscriptionChannelType: 'email' },
  webhook: { buildPayload: webhookPayload, addressField: null, subscriptionChannelType: null },
  sandbox: { buildPayload: sandboxPayload, addressField: null, subscriptionChannelType: null },
};

export function buildPayload(
  content: Content,
  recipient: string,
  channel: Channel,
  options: BuildOptions = {},
): PayloadResult {
  // TypeScript cannot tie CHANNEL_TYPES[channel.type] to channel's own member of the union.
  const build = CHANNEL_TYPES[channel.type].buildPayload as BuildPayload;
  return build(content, recipient, channel, options);
}

const VALIDATION_CHANNELS: { readonly [T in ChannelType]: ChannelOf<T> } = {
  line: { id: 'validation', type: 'line' },
  twilio_sms: { id: 'validation', type: 'twilio_sms', from: '+15005550006' },
  smtp: { id: 'validation', type: 'smtp', from: 'validation@example.invalid' },
  // Any host: the channel's own URL is not known here; a content URL is checked against it at send time.
  webhook: { id: 'validation', type: 'webhook', url: 'https://example.invalid/', url_hosts: ['*'] },
  sandbox: { id: 'validation', type: 'sandbox' },
};

/**
 * Why a content cannot go on a channel type, checked when a definition is saved; null if it can.
 * Only static strings are checked: a string with Liquid markup stands in as a short https URL,
 * which passes every per-field check, and is checked for real once rendered.
 */
export function validateContentForChannel(content: Content, channelType: ChannelType): string | null {
  const result = buildPayload(withoutTemplates(content) as Content, 'validation', VALIDATION_CHANNELS[channelType]);
  return result.ok ? null : result.error;
}

const LIQUID = /\{\{|\{%/;
const TEMPLATED_STAND_IN = 'https://t.example';

function withoutTemplates(value: unknown): unknown {
  if (typeof value === 'string') return LIQUID.test(value) ? TEMPLATED_STAND_IN : value;
  if (Array.isArray(value)) return value.map(withoutTemplates);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutTemplates(item)]));
  return value;
}
