import type { Channel } from '../schemas/channel.ts';
import type { SubscriptionState, UserRecord } from '../core/user.ts';

export type Reach = { ok: true; recipient: string } | { ok: false; reason: 'no_address' | 'not_subscribed' };

/**
 * Whether a channel may message a user, and at which address. The address is checked first, so
 * a user with neither address nor consent is `no_address`.
 * - LINE: `line_id`; the group not `unsubscribed` (never seen following or unfollowing counts as
 *   subscribed, since LINE itself only delivers to friends).
 * - SMS: `phone`; the group `subscribed` (explicit opt-in). A channel without a group reaches every
 *   phone: its owner chose not to track consent there (transactional senders), and Twilio still
 *   blocks numbers that texted STOP.
 * - Email: `email`; `email_subscribe` not `unsubscribed`; the group, if any, not `unsubscribed`.
 * - Webhook and sandbox: everyone, addressed by external_id, else the internal id.
 */
export function reach(user: UserRecord, channel: Channel): Reach {
  switch (channel.type) {
    case 'line':
      return addressed(user.line_id, groupState(user, channel.subscription_group) !== 'unsubscribed');
    case 'twilio_sms':
      return addressed(
        user.phone,
        !channel.subscription_group || groupState(user, channel.subscription_group) === 'subscribed',
      );
    case 'smtp':
      return addressed(
        user.email,
        user.standard.email_subscribe !== 'unsubscribed' &&
          groupState(user, channel.subscription_group) !== 'unsubscribed',
      );
    case 'webhook':
    case 'sandbox':
      return { ok: true, recipient: user.external_id ?? user.id };
  }
}

function addressed(address: string | null, subscribed: boolean): Reach {
  if (!address) return { ok: false, reason: 'no_address' };
  if (!subscribed) return { ok: false, reason: 'not_subscribed' };
  return { ok: true, recipient: address };
}

function groupState(user: UserRecord, group: string | null | undefined): SubscriptionState | undefined {
  return group ? user.subscriptions[group]?.state : undefined;
}
