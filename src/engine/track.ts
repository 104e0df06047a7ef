import { keysForRefs, type UserRef } from '../core/identifiers.ts';
import type { UserRecord } from '../core/user.ts';
import type { Settings } from '../schemas/settings.ts';
import { planTrack, trackRefs, type TrackItems, type TrackPlan } from '../core/track.ts';
import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import type { StoreTx } from '../store/store.ts';
import { evaluateOccurrences } from './campaigns/evaluate.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { cachedSettings, type Engine } from './engine.ts';

/**
 * Applies a /users/track request in one transaction: when this resolves, every write is
 * committed (read-your-writes).
 */
export async function track(engine: Engine, items: TrackItems): Promise<TrackPlan> {
  const settings = await cachedSettings(engine);
  const defs = await liveDefinitions(engine);
  const result = await engine.store.transaction(async (tx) => {
    const { plan, users } = await applyTrack(engine, tx, settings, items);
    const occurrences = plan.events.map((event) => ({
      occurrence: { kind: 'event' as const, event },
      userId: event.user_id,
    }));
    const decisions = await evaluateOccurrences(engine, tx, defs, settings, occurrences, users);
    return { plan, scheduled: decisions.entries.length > 0 };
  });
  if (result.scheduled) engine.work.notify();
  return result.plan;
}

/**
 * Plans and writes a track request inside `tx`. `alsoLoad` names more users the caller needs;
 * returns every loaded or written profile as it now is, by id.
 */
export async function applyTrack(
  engine: Engine,
  tx: StoreTx,
  settings: Settings,
  items: TrackItems,
  alsoLoad: UserRef[] = [],
): Promise<{ plan: TrackPlan; users: Map<string, UserRecord> }> {
  const loaded = await tx.loadUsers(keysForRefs([...trackRefs(items, settings.default_country), ...alsoLoad]));
  const groups = items.attributes.some((item) => item.value.subscription_groups !== undefined)
    ? await subscriptionGroupMap(tx)
    : new Map<string, SubscriptionGroup>();
  const plan = planTrack(items, loaded, {
    defaultCountry: settings.default_country,
    now: engine.clock.now(),
    groups,
    newId: engine.newId,
  });
  await writeTrackPlan(tx, plan);
  const users = new Map([...loaded, ...plan.inserted, ...plan.updated].map((user) => [user.id, user]));
  return { plan, users };
}

async function subscriptionGroupMap(tx: StoreTx): Promise<Map<string, SubscriptionGroup>> {
  return new Map((await tx.listSubscriptionGroups()).map((group) => [group.id, group]));
}

async function writeTrackPlan(tx: StoreTx, plan: TrackPlan): Promise<void> {
  if (plan.inserted.length > 0) await tx.insertUsers(plan.inserted);
  if (plan.updated.length > 0) await tx.updateUsers(plan.updated);
  if (plan.aliases.length > 0) await tx.insertAliases(plan.aliases);
  if (plan.subscriptions.length > 0) {
    await tx.upsertSubscriptions(
      plan.subscriptions.map(({ user_id, group_id, state, changed_at }) => ({ user_id, group_id, state, changed_at })),
    );
  }
  if (plan.events.length > 0) await tx.insertEvents(plan.events);
}
