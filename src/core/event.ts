import type { Json } from './user.ts';

export interface PurchaseDetails {
  product_id: string;
  currency: string;
  price: number;
  quantity: number;
}

/** One occurrence of something a user did (or that happened to them); never de-duplicated. */
export interface EventRecord {
  id: string;
  user_id: string;
  name: string;
  /** When it happened (epoch ms); a time in the future is recorded as the time it was received. */
  time: number;
  properties: Record<string, Json>;
  purchase: PurchaseDetails | null;
  /** `api` for /users/track, `system` for events the engine records itself. */
  source: 'api' | 'system';
  received_at: number;
}

/** Events the engine records itself; they go through the same store and the same triggers. */
export const SYSTEM_EVENTS = [
  'inbound_message',
  'subscription_changed',
  'email_added',
  'message_sent',
  'message_failed',
  'message_delivered',
  'line_follow',
  'line_unfollow',
] as const;
export type SystemEventName = (typeof SYSTEM_EVENTS)[number];

/**
 * An event the engine records itself, received now; `time` is when it happened (default now, and
 * never later than now).
 */
export function systemEvent(
  ctx: { now: number; newId: () => string },
  userId: string,
  name: string,
  properties: Record<string, Json>,
  time: number = ctx.now,
): EventRecord {
  return {
    id: ctx.newId(),
    user_id: userId,
    name,
    time: Math.min(time, ctx.now),
    properties,
    purchase: null,
    source: 'system',
    received_at: ctx.now,
  };
}
