import { keysForRefs } from '../core/identifiers.ts';
import { planTrack, trackRefs, type TrackItems, type TrackPlan } from '../core/track.ts';
import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import type { StoreTx } from '../store/store.ts';
import { cachedSettings, type Engine } from './engine.ts';

/**
 * Applies a /users/track request in one transaction: when this resolves, every write is
 * committed (read-your-writes).
 */
export async function track(engine: Engine, items: TrackItems): Promise<TrackPlan> {
  const settings = await cachedSettings(engine);
  return engine.store.transaction(async (tx) => {
    const loaded = await tx.loadUsers(keysForRefs(trackRefs(items, settings.default_country)));
    const groups = items.attributes.some((item) => item.value.subscription_groups !== undefined)
      ? await subscriptionGroupMap(tx)
      : new Map<string, SubscriptionGroup>();
    const plan = planTrack(items, loaded, { defaultCountry: settings.default_country, now: engine.clock.now(), groups, newId: engine.newId });
    await writeTrackPlan(tx, plan);
    return plan;
  });
}

async function subscriptionGroupMap(tx: StoreTx): Promise<Map<string, SubscriptionGroup>> {
  return new Map((await tx.listSubscriptionGroups()).map((group) => [group.id, group]));
}

async function writeTrackPlan(tx: StoreTx, plan: TrackPlan): Promise<void> {
  if (plan.inserted.length > 0) await tx.insertUsers(plan.inserted);
  if (plan.updated.length > 0) await tx.updateUsers(plan.updated);
  if (plan.aliases.length > 0) await tx.insertAliases(plan.aliases);
  if (plan.subscriptions.length > 0) {
    await tx.upsertSubscriptions(plan.subscriptions.map(({ user_id, group_id, state, changed_at }) => ({ user_id, group_id, state, changed_at })));
  }
  if (plan.events.length > 0) await tx.insertEvents(plan.events);
}
