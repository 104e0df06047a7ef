import type { TSchema } from '@sinclair/typebox';
import type { SmsKeyword } from '../core/sms-keywords.ts';
import type { SubscriptionChangeSource } from '../core/subscription-change.ts';
import type { Json, UserRecord } from '../core/user.ts';
import type { Content } from '../schemas/content.ts';
import type { ChannelOf, ChannelType } from '../schemas/channel.ts';
import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import type { DestinationPolicy } from './destination-guard.ts';
import type { Reach } from './reachability.ts';
import type { Send, SenderConfig } from './sender.ts';

/** Exactly what the provider would receive (what the sandbox records), or why it cannot be sent. */
export type PayloadResult = { ok: true; payload: Json; details?: Record<string, Json> } | { ok: false; error: string };

export interface BuildOptions {
  /** The server's public base URL (settings.public_url); Twilio sends then carry a StatusCallback. */
  publicUrl?: string | null;
}

export type BuildPayload<C> = (
  content: Content,
  recipient: string,
  channel: C,
  options?: BuildOptions,
) => PayloadResult;

/**
 * What one channel type is, the same shape for every folder under `src/channels/`: each folder's
 * `index.ts` exports `channel` of this type and `registry.ts` lists them, one line each. Nothing
 * outside a channel's folder knows its provider: the engine and the HTTP layer go through this.
 */
export interface ChannelModule<T extends ChannelType> {
  type: T;
  /** How people call it in messages ("No LINE channel 'x'"). */
  displayName: string;
  /** The schema of its definition (one member of `ChannelSchema`). */
  config: TSchema;
  /** The user column that addresses them on this channel; null: everyone, by external_id, else id. */
  addressField: AddressField | null;
  /** The `channel_type` a subscription group must have to be this channel's group. */
  subscriptionChannelType: 'line' | 'sms' | 'email' | null;
  buildPayload: BuildPayload<ChannelOf<T>>;
  /** Whether it may message this user, and at which address. */
  reach(user: UserRecord, channel: ChannelOf<T>): Reach;
  /**
   * How its messages leave: a function that calls the provider, or null when they go into the
   * sandbox (no credentials configured). A module without `sender` never calls out.
   */
  sender: ((channel: ChannelOf<T>, config: SenderConfig) => Send | null) | null;
  /** A definition of this type that content is checked against when a definition is saved. */
  validationChannel: ChannelOf<T>;
  /** What its provider tells us: its webhooks, when it has any. */
  inbound?: ChannelInbound<T>;
  /** The people already following the channel at the provider, for an import. */
  followers?: FollowerSource<T>;
}

/** The user columns a provider can name a person by. */
export type AddressField = 'line_id' | 'phone' | 'email';

/** A provider's webhook request, as received: the URL it called (as it would have signed it). */
export interface InboundRequest {
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body: bytes for JSON (signatures cover the bytes), text for a form. */
  body: Buffer | string;
}

export interface ParseContext {
  /** settings.default_country, for phone numbers without a country code. */
  defaultCountry: string;
}

/**
 * What a provider can tell us, neutral of the provider. `eventId` is the provider's id for the
 * event (redeliveries repeat it; '' when it has none); `at` the time it happened, when the
 * provider says (else the time it was received); `answerable` false for an event another bot
 * answers (LINE's standby mode): recorded, never fires a trigger.
 */
export type InboundEvent =
  | {
      kind: 'message';
      eventId: string;
      address: string;
      at?: number;
      answerable: boolean;
      /** `text`, `image`, `sticker`… */
      messageType: string;
      text?: string;
      /** What `inbound_message` records besides channel, channel_type, subscription_group and message_type, in order. */
      properties: Record<string, Json>;
    }
  | { kind: 'follow' | 'unfollow'; eventId: string; address: string; at?: number; answerable: boolean }
  | {
      kind: 'delivery_status';
      providerMessageId: string;
      status: 'delivered' | 'failed';
      /** For `failed`: the provider's error code and our description of it. */
      errorCode?: string;
      error?: string;
    };

/** What the engine did with the events of one request, for the provider's answer. */
export interface InboundOutcome {
  recorded: number;
  redelivered: number;
  /** Events the provider sent that Tidings does not handle. */
  ignored: number;
  /** The keyword answers decided for these messages, to send back in the webhook's answer. */
  replies: string[];
}

export interface InboundAnswer {
  status: number;
  contentType?: string;
  body?: string | Record<string, Json>;
}

/** One webhook URL of a channel: `POST /webhooks/{path}/{channel id}` followed by `suffix`. */
export interface InboundEndpoint<T extends ChannelType> {
  suffix: '' | '/status';
  summary: string;
  /** Throws `unauthorized` (naming the header or the missing secret) unless the provider signed it. */
  verify(channel: ChannelOf<T>, request: InboundRequest, env: SenderConfig['env']): void;
  /** The request's events; throws `invalid_input` naming the field when the body is malformed. */
  parse(body: Buffer | string, context: ParseContext): { events: InboundEvent[]; ignored: number };
  answer(outcome: InboundOutcome): InboundAnswer;
}

export interface ChannelInbound<T extends ChannelType> {
  /** The URL segment its webhooks are under (providers are configured with these URLs). */
  path: string;
  endpoints: InboundEndpoint<T>[];
  /** Follows and unfollows: the event each records, also the source of its subscription change. */
  followEvents?: { follow: SubscriptionChangeSource & string; unfollow: SubscriptionChangeSource & string };
  /**
   * How long after an inbound message an answer may use its `reply_token` (recorded by the
   * message's parse) instead of a paid send; absent: the channel has no reply tokens.
   */
  replyWindowMs?: number;
  /** Subscription-group keywords (STOP, START, HELP, custom), when the channel answers them. */
  keywords?: KeywordHandling;
}

export interface KeywordHandling {
  /** The group keyword a message's text is, if any (the group's definition holds its keywords). */
  classify(text: string, group: SubscriptionGroup): SmsKeyword | null;
  /** The answer to a keyword, given whether the sender is `subscribed` once it is applied; null: none. */
  reply(keyword: SmsKeyword, group: SubscriptionGroup, subscribed: boolean): string | null;
  /** The cause of the subscription changes opt-in and opt-out keywords make. */
  source: SubscriptionChangeSource;
  /** The event a message that is no opt-in, opt-out or help keyword also records, in the group. */
  responseEvent(
    groupId: string,
    message: Extract<InboundEvent, { kind: 'message' }>,
  ): { name: string; properties: Record<string, Json> };
  /** The logged payload of a keyword answer sent back in the webhook's answer. */
  replyPayload(text: string): Json;
}

/** Pages through the channel's followers at the provider. */
export interface FollowerSource<T extends ChannelType> {
  /** Throws `invalid_input` naming the field when the channel cannot read them. */
  open(channel: ChannelOf<T>, env: SenderConfig['env'], destinations: DestinationPolicy): FollowerPages;
}

export interface FollowerPages {
  /** About how many followers there are, when the provider says. */
  estimate(now: number): Promise<number | null>;
  page(start: string | null): Promise<{ addresses: string[]; next: string | null }>;
  /** The subscription change source of an imported follower. */
  source: SubscriptionChangeSource;
}
