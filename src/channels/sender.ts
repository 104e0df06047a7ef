import type { Json } from '../core/user.ts';
import type { Channel } from '../schemas/channel.ts';
import { moduleOf } from './registry.ts';
import type { ProviderResult } from './provider-result.ts';
import type { DestinationPolicy } from './destination-guard.ts';

/** What senders need of the engine's configuration (EngineConfig has all of it). */
export interface SenderConfig extends DestinationPolicy {
  /** Where `{"env": NAME}` secrets are read from: only the variables TIDINGS_SECRET_ENV allows. */
  env: Readonly<Record<string, string | undefined>>;
  providerTimeoutMs: number;
}

/** What a sender needs of an outbox row. */
export interface OutgoingMessage {
  id: string;
  recipient: string;
  payload: Json;
  details: Record<string, Json>;
  /** Including the one being made. */
  attempts: number;
  /** What the previous attempt ended with (null: none, or it never came back). */
  error_code: string | null;
  created_at: number;
}

/** Sends one message at `now` (the engine's clock). */
export type Send = (message: OutgoingMessage, now: number) => Promise<ProviderResult>;

/**
 * How a channel's messages leave: a function that calls its provider, or null when they go into
 * the sandbox instead — a `sandbox` channel, `sandbox: true`, or a channel without credentials
 * (a webhook needs none: its URL is all it takes).
 */
export function senderFor(channel: Channel | undefined, config: SenderConfig): Send | null {
  if (!channel || ('sandbox' in channel && channel.sandbox === true)) return null;
  return moduleOf(channel).sender?.(channel, config) ?? null;
}
