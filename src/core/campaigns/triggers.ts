import {
  DEFAULT_CONVERSION_WINDOW_SECONDS,
  type Campaign,
  type ExceptionDefinition,
  type Trigger,
} from '../../schemas/campaign.ts';
import type { PropertyFilter } from '../../schemas/filters.ts';
import type { EventRecord } from '../event.ts';
import type { Json } from '../user.ts';
import {
  compileTriggerWords,
  firesOnInbound,
  prepareText,
  type InboundListener,
  type InboundText,
  type InboundTrigger,
} from './trigger-words.ts';

export type Interaction = 'sent' | 'delivered' | 'failed';

/** Something that can fire a trigger. Campaign fields are campaign ids; api `properties` are the call's trigger_properties. */
export type Occurrence =
  | { kind: 'event'; event: EventRecord }
  | { kind: 'campaign_interaction'; campaign: string; interaction: Interaction; user_id: string }
  | { kind: 'conversion'; campaign: string; user_id: string }
  | { kind: 'exception'; campaign: string; user_id: string }
  | { kind: 'api'; campaign: string; properties?: Record<string, Json> };

/** What the inbound webhook knows beyond the event: whether the text was a subscription-group keyword. */
export interface InboundContext {
  keywordMatched: boolean;
}

/** The property-filter test (campaigns/filters.ts), passed in so this module does not depend on it. */
export type PropertyFiltersMatch = (filters: PropertyFilter[] | undefined, properties: Record<string, Json>) => boolean;

export interface ConversionMatch {
  campaign: Campaign;
  within_seconds: number;
}

export interface TriggerIndex {
  /** Active campaigns whose trigger this occurrence fires. */
  match(occurrence: Occurrence, inbound?: InboundContext): Campaign[];
  /** Campaigns for which this occurrence is an exception event (each once). */
  exceptionsFor(occurrence: Occurrence, inbound?: InboundContext): Campaign[];
  /** Campaigns for which this occurrence is a conversion event, each once with its widest window. */
  conversionsFor(occurrence: Occurrence, inbound?: InboundContext): ConversionMatch[];
}

/**
 * The index key a trigger-shaped definition listens on. Everything a key encodes need not be checked
 * again, so the key is as narrow as the definition allows (subscription_changed by group, api by
 * campaign because the API call names the campaign it triggers).
 */
export function triggerKey(shape: Trigger, campaignId: string): string {
  switch (shape.type) {
    case 'custom_event':
      return `event:${shape.event}`;
    case 'purchase':
      return 'purchase';
    case 'session_start':
      return 'session_start';
    case 'inbound_message':
      return `inbound:${shape.channel_type}`;
    case 'email_added':
      return 'email_added';
    case 'subscription_changed':
      return `subscription_changed:${shape.subscription_group}`;
    case 'campaign_interaction':
      return `interaction:${shape.campaign}:${shape.interaction}`;
    case 'conversion':
      return `conversion:${shape.campaign}`;
    case 'exception':
      return `exception:${shape.campaign}`;
    case 'api':
      return `api:${campaignId}`;
  }
}

/** The keys of every definition this occurrence could fire. */
export function occurrenceKeys(occurrence: Occurrence): string[] {
  switch (occurrence.kind) {
    case 'event':
      return eventKeys(occurrence.event);
    case 'campaign_interaction':
      return [`interaction:${occurrence.campaign}:${occurrence.interaction}`];
    case 'conversion':
      return [`conversion:${occurrence.campaign}`];
    case 'exception':
      return [`exception:${occurrence.campaign}`];
    case 'api':
      return [`api:${occurrence.campaign}`];
  }
}

/** A purchase is only a purchase (not a custom event named "purchase"); any other event also answers to its name. */
function eventKeys(event: EventRecord): string[] {
  if (event.purchase) return ['purchase'];
  const dedicated = dedicatedKey(event);
  return dedicated ? [`event:${event.name}`, dedicated] : [`event:${event.name}`];
}

/** System-event triggers answer only the engine's own records: an API event may carry any name. */
function dedicatedKey(event: EventRecord): string | null {
  if (event.name === 'session_start') return 'session_start';
  if (event.source !== 'system') return null;
  switch (event.name) {
    case 'email_added':
      return 'email_added';
    case 'subscription_changed':
      return `subscription_changed:${stringOr(event.properties.subscription_group_id, '')}`;
    case 'inbound_message':
      return `inbound:${stringOr(event.properties.channel_type, '')}`;
    default:
      return null;
  }
}

interface Listener {
  campaign: Campaign;
  shape: Trigger;
  inbound: InboundListener | null;
}

interface ConversionListener extends Listener {
  window: number;
}

interface InboundMessage {
  channel: string | null;
  channelType: string | null;
  group: string | null;
  text: InboundText;
}

/** One occurrence as listeners see it, with what they need computed at most once. */
interface Situation {
  event: EventRecord | null;
  message: InboundMessage | null;
  recognized: () => boolean;
}

/**
 * Whether an event answers a trigger past its key (the index found it by the key): an event's or a
 * purchase's property filters and product, a subscription change's state. Inbound messages have
 * their own test (channel scope and trigger words); the other shapes (email_added,
 * campaign_interaction, conversion, exception, api) are said all by their key.
 */
export function eventTriggerHolds(
  shape: Trigger,
  event: EventRecord | null,
  filtersHold: (filters: PropertyFilter[] | undefined, properties: Record<string, Json>) => boolean,
): boolean {
  switch (shape.type) {
    case 'custom_event':
    case 'session_start':
      return event !== null && filtersHold(shape.filters, event.properties);
    case 'purchase':
      return (
        event?.purchase != null &&
        (shape.product_id === undefined || shape.product_id === event.purchase.product_id) &&
        filtersHold(shape.filters, event.properties)
      );
    case 'subscription_changed':
      return event !== null && (shape.state === undefined || event.properties.state === shape.state);
    default:
      return true;
  }
}

/**
 * Index campaigns by the keys they listen on, so an occurrence costs time in proportion to the
 * campaigns listening to its keys. Triggers are indexed for active campaigns only; exceptions and
 * conversion events for every campaign given, because pending sends and receipts outlive a pause.
 */
export function buildTriggerIndex(campaigns: Iterable<Campaign>, matchesFilters: PropertyFiltersMatch): TriggerIndex {
  const triggers = new Map<string, Listener[]>();
  const exceptions = new Map<string, Listener[]>();
  const conversions = new Map<string, ConversionListener[]>();
  for (const campaign of campaigns) {
    if (campaign.status === 'active') add(triggers, listener(campaign, campaign.trigger));
    for (const shape of exceptionShapes(campaign)) add(exceptions, listener(campaign, shape));
    for (const event of campaign.conversion_events ?? []) {
      add(conversions, {
        ...listener(campaign, event),
        window: event.within_seconds ?? DEFAULT_CONVERSION_WINDOW_SECONDS,
      });
    }
  }

  const filtersHold = (filters: PropertyFilter[] | undefined, properties: Record<string, Json>) =>
    filters === undefined || filters.length === 0 || matchesFilters(filters, properties);

  function holds(listener: Listener, situation: Situation): boolean {
    const { shape } = listener;
    const { message } = situation;
    if (shape.type === 'inbound_message')
      return (
        message !== null &&
        listener.inbound !== null &&
        inScope(shape, message) &&
        firesOnInbound(listener.inbound, message.text, situation.recognized)
      );
    return eventTriggerHolds(shape, situation.event, filtersHold);
  }

  function situation(occurrence: Occurrence, context: InboundContext | undefined): Situation {
    const event = occurrence.kind === 'event' ? occurrence.event : null;
    const message = event ? inboundMessage(event) : null;
    let recognized: boolean | undefined;
    return {
      event,
      message,
      recognized: () =>
        (recognized ??= context?.keywordMatched === true || (message !== null && anyWordMatched(message))),
    };
  }

  /** Whether a trigger word of any active campaign on the message's channel matched. */
  function anyWordMatched(message: InboundMessage): boolean {
    const listening = triggers.get(`inbound:${message.channelType}`) ?? [];
    return listening.some(
      ({ shape, inbound }) =>
        shape.type === 'inbound_message' &&
        inbound?.words != null &&
        inScope(shape, message) &&
        inbound.words(message.text),
    );
  }

  function matching<L extends Listener>(
    map: Map<string, L[]>,
    occurrence: Occurrence,
    context: InboundContext | undefined,
  ): L[] {
    const current = situation(occurrence, context);
    return occurrenceKeys(occurrence).flatMap((key) => (map.get(key) ?? []).filter((l) => holds(l, current)));
  }

  return {
    match: (occurrence, context) => matching(triggers, occurrence, context).map((l) => l.campaign),
    exceptionsFor: (occurrence, context) => [
      ...new Set(matching(exceptions, occurrence, context).map((l) => l.campaign)),
    ],
    conversionsFor: (occurrence, context) => widestPerCampaign(matching(conversions, occurrence, context)),
  };
}

function add<L extends Listener>(map: Map<string, L[]>, entry: L): void {
  const key = triggerKey(entry.shape, entry.campaign.id);
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function listener(campaign: Campaign, shape: Trigger): Listener {
  const inbound =
    shape.type === 'inbound_message'
      ? { words: compileTriggerWords(shape), unrecognized: shape.unrecognized === true }
      : null;
  return { campaign, shape, inbound };
}

/** `{"type": "conversion"}` without a campaign stands for this campaign's own conversion events. */
function exceptionShapes(campaign: Campaign): Trigger[] {
  return (campaign.exceptions ?? []).flatMap((exception) =>
    isOwnConversion(exception) ? (campaign.conversion_events ?? []) : [exception],
  );
}

function isOwnConversion(exception: ExceptionDefinition): exception is { type: 'conversion' } {
  return exception.type === 'conversion' && !('campaign' in exception);
}

function inboundMessage(event: EventRecord): InboundMessage | null {
  if (event.source !== 'system' || event.name !== 'inbound_message') return null;
  const p = event.properties;
  return {
    channel: stringOr(p.channel, null),
    channelType: stringOr(p.channel_type, null),
    group: stringOr(p.subscription_group, null),
    text: prepareText(stringOr(p.text, '')),
  };
}

function inScope(shape: InboundTrigger, message: InboundMessage): boolean {
  return (
    shape.channel_type === message.channelType &&
    (shape.channel === undefined || shape.channel === message.channel) &&
    (shape.subscription_group === undefined || shape.subscription_group === message.group)
  );
}

/** A campaign converts once per receipt, so several matching conversion events count as one, with the widest window. */
function widestPerCampaign(listeners: ConversionListener[]): ConversionMatch[] {
  const byCampaign = new Map<string, ConversionMatch>();
  for (const { campaign, window } of listeners) {
    const current = byCampaign.get(campaign.id);
    if (!current || current.within_seconds < window) byCampaign.set(campaign.id, { campaign, within_seconds: window });
  }
  return [...byCampaign.values()];
}

function stringOr<T>(value: Json | undefined, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}
