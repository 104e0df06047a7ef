import type { Channel } from '../schemas/channel.ts';
import type { SubscriptionState, UserRecord } from '../core/user.ts';
import { moduleOf } from './registry.ts';

export type Reach = { ok: true; recipient: string } | { ok: false; reason: 'no_address' | 'not_subscribed' };

/**
 * Whether a channel may message a user, and at which address: each channel module's `reach`
 * decides, from these parts. The address is checked first, so a user with neither address nor
 * consent is `no_address`.
 */
export function reach(user: UserRecord, channel: Channel): Reach {
  return moduleOf(channel).reach(user, channel);
}

/** Reached at this address when consent allows. */
export function addressed(address: string | null, subscribed: boolean): Reach {
  if (!address) return { ok: false, reason: 'no_address' };
  if (!subscribed) return { ok: false, reason: 'not_subscribed' };
  return { ok: true, recipient: address };
}

/** Everyone, addressed by external_id, else the internal id (channels without an address field). */
export function everyone(user: UserRecord): Reach {
  return { ok: true, recipient: user.external_id ?? user.id };
}

export function groupState(user: UserRecord, group: string | null | undefined): SubscriptionState | undefined {
  return group ? user.subscriptions[group]?.state : undefined;
}
