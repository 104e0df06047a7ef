import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import { applyAttributes, type SubscriptionTransition } from './attributes.ts';
import { systemEvent, type EventRecord, type PurchaseDetails } from './event.ts';
import { checkEvent, checkPurchase } from './event-input.ts';
import { describeRef, refFromObject, UserIndex, type UserRef } from './identifiers.ts';
import type { ItemError } from './item-error.ts';
import { decideSubscriptionChange } from './subscription-change.ts';
import { newUserRecord, type UserAlias, type UserRecord } from './user.ts';

export type TrackArray = 'attributes' | 'events' | 'purchases';
export const TRACK_ARRAYS: readonly TrackArray[] = ['attributes', 'events', 'purchases'];

/** A request object that passed its shape check, with its place in the request. */
export interface TrackItem {
  index: number;
  value: Record<string, unknown>;
}
export type TrackItems = Record<TrackArray, TrackItem[]>;

export interface TrackContext {
  defaultCountry: string;
  now: number;
  groups: ReadonlyMap<string, SubscriptionGroup>;
  newId: () => string;
}

/** Everything one /users/track request writes, decided before anything is written. */
export interface TrackPlan {
  inserted: UserRecord[];
  updated: UserRecord[];
  aliases: Array<UserAlias & { user_id: string }>;
  subscriptions: Array<SubscriptionTransition & { user_id: string; changed_at: number }>;
  /** API events and purchases, and the system events the attributes caused, in order. */
  events: EventRecord[];
  errors: ItemError[];
  processed: Record<TrackArray, number>;
}

/** The identifiers a request uses, so that the store can load exactly those profiles. */
export function trackRefs(items: TrackItems, defaultCountry: string): UserRef[] {
  const refs: UserRef[] = [];
  for (const array of TRACK_ARRAYS) {
    for (const item of items[array]) {
      const ref = refFromObject(item.value, defaultCountry);
      if (ref.ok) refs.push(ref.ref);
    }
  }
  return refs;
}

/**
 * Decides what a /users/track request does, in Braze's order (attributes, then events, then
 * purchases), so that an event sees the attributes sent beside it.
 */
export function planTrack(items: TrackItems, loaded: UserRecord[], ctx: TrackContext): TrackPlan {
  const index = new UserIndex(loaded);
  const inserted = new Set<string>();
  const updated = new Set<string>();
  const plan: TrackPlan = {
    inserted: [],
    updated: [],
    aliases: [],
    subscriptions: [],
    events: [],
    errors: [],
    processed: { attributes: 0, events: 0, purchases: 0 },
  };
  const recordSystemEvent = (userId: string, name: string, properties: Record<string, string | null>) => {
    plan.events.push(systemEvent(ctx, userId, name, properties));
  };

  for (const array of TRACK_ARRAYS) {
    for (const item of items[array]) {
      const reject = (type: string) => plan.errors.push({ type, input_array: array, index: item.index });
      const found = findOrCreate(item.value, array, index, ctx);
      if (!found.ok) {
        reject(found.error);
        continue;
      }
      const { user, created } = found;

      if (array === 'attributes') {
        const result = applyAttributes(user, item.value, {
          defaultCountry: ctx.defaultCountry,
          now: ctx.now,
          groups: ctx.groups,
        });
        if (!result.ok) {
          reject(result.error);
          continue;
        }
        commitUser(result.outcome.user, created, created ? null : user.email);
        for (const change of result.outcome.subscriptionChanges) {
          const decided = decideSubscriptionChange(
            { userId: user.id, groupId: change.group_id, current: change.previous, state: change.state, source: 'api' },
            ctx,
          );
          if (decided === null) continue;
          plan.subscriptions.push({ ...change, user_id: user.id, changed_at: decided.row.changed_at });
          plan.events.push(decided.event);
        }
      } else {
        const checked = array === 'events' ? checkEvent(item.value, ctx.now) : checkPurchase(item.value, ctx.now);
        if (!checked.ok) {
          reject(checked.error);
          continue;
        }
        if (created) commitUser(user, true, null);
        const { name, time, properties } = checked.value;
        const purchase = 'purchase' in checked.value ? (checked.value.purchase as PurchaseDetails) : null;
        plan.events.push({
          id: ctx.newId(),
          user_id: user.id,
          name,
          time,
          properties,
          purchase,
          source: 'api',
          received_at: ctx.now,
        });
      }
      plan.processed[array] += 1;
    }
  }

  for (const id of inserted) plan.inserted.push(index.get(id)!);
  for (const id of updated) if (!inserted.has(id)) plan.updated.push(index.get(id)!);
  for (const user of plan.inserted) for (const alias of user.aliases) plan.aliases.push({ ...alias, user_id: user.id });
  return plan;

  /** Records the new state of a profile; an email going from empty to set is `email_added`. */
  function commitUser(user: UserRecord, created: boolean, emailBefore: string | null) {
    index.put(user);
    (created || inserted.has(user.id) ? inserted : updated).add(user.id);
    if (emailBefore === null && user.email !== null) recordSystemEvent(user.id, 'email_added', { email: user.email });
  }
}

type Found = { ok: true; user: UserRecord; created: boolean } | { ok: false; error: string };

/**
 * `_update_existing_only` defaults to false, except for aliases: true for attributes unless the
 * object says false, always true for events and purchases. A `braze_id` never creates a profile.
 */
function findOrCreate(item: Record<string, unknown>, array: TrackArray, index: UserIndex, ctx: TrackContext): Found {
  const ref = refFromObject(item, ctx.defaultCountry);
  if (!ref.ok) return ref;
  const existing = index.resolve(ref.ref);
  if (existing) return { ok: true, user: existing, created: false };

  const flag = item._update_existing_only;
  if (flag !== undefined && typeof flag !== 'boolean')
    return { ok: false, error: "'_update_existing_only' must be a boolean" };
  const existingOnly = ref.ref.kind === 'user_alias' ? array !== 'attributes' || flag !== false : flag === true;
  if (ref.ref.kind === 'braze_id') return { ok: false, error: `no user has ${describeRef(ref.ref)}` };
  if (existingOnly) {
    const why =
      ref.ref.kind === 'user_alias' && array !== 'attributes'
        ? 'events and purchases never create an alias-only user'
        : '_update_existing_only is true';
    return { ok: false, error: `no user has ${describeRef(ref.ref)} (${why})` };
  }
  const user = newUserRecord(ctx.newId(), ctx.now);
  switch (ref.ref.kind) {
    case 'external_id':
      user.external_id = ref.ref.value;
      break;
    case 'user_alias':
      user.aliases = [ref.ref.alias];
      break;
    case 'email':
      user.email = ref.ref.value;
      break;
    case 'phone':
      user.phone = ref.ref.value;
      break;
  }
  return { ok: true, user, created: true };
}
