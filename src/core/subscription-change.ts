import { systemEvent, type EventRecord } from './event.ts';
import type { SubscriptionState } from './user.ts';

/**
 * Who asked for a subscription change. `api` is a customer's backend (`/users/track`,
 * `/subscription/status/set`); the others are the engine acting on what a provider told it.
 */
export type SubscriptionChangeSource =
  | 'api'
  | 'sms_keyword'
  | 'provider_opt_out'
  | 'line_follow'
  | 'line_unfollow'
  | 'line_follower_import';

export interface SubscriptionChangeRequest {
  userId: string;
  groupId: string;
  /** The user's state in the group before this change; null when they never had one. */
  current: SubscriptionState | null;
  state: SubscriptionState;
  source: SubscriptionChangeSource;
}

/** What a change writes: the user's new state in the group, and the event that announces it. */
export interface DecidedSubscriptionChange {
  row: { user_id: string; group_id: string; state: SubscriptionState; changed_at: number };
  event: EventRecord;
}

/**
 * The one rule for every subscription change: a change to the state the user already has is no
 * change (nothing written, no event); any other is stored with `changed_at` now and announced by
 * `subscription_changed` with `subscription_group_id`, `state` and `previous_state`, plus
 * `cause` when the engine made the change itself rather than an API client.
 */
export function decideSubscriptionChange(
  request: SubscriptionChangeRequest,
  ctx: { now: number; newId: () => string },
): DecidedSubscriptionChange | null {
  if (request.current === request.state) return null;
  return {
    row: { user_id: request.userId, group_id: request.groupId, state: request.state, changed_at: ctx.now },
    event: systemEvent(ctx, request.userId, 'subscription_changed', {
      subscription_group_id: request.groupId,
      state: request.state,
      previous_state: request.current,
      ...(request.source === 'api' ? {} : { cause: request.source }),
    }),
  };
}

/** A user's state in one subscription group, as stored, and when it last changed. */
export interface SubscriptionChange {
  user_id: string;
  group_id: string;
  state: SubscriptionState;
  changed_at: number;
}
