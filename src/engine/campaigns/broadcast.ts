import { inAudience } from '../../core/campaigns/audience.ts';
import { audienceContext } from '../../core/campaigns/decide.ts';
import { emptyUserKeys } from '../../core/identifiers.ts';
import type { Json } from '../../core/user.ts';
import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { liveDefinitions } from './definitions.ts';
import { evaluateOccurrences, loadStates, type UserOccurrence } from './evaluate.ts';

/**
 * A broadcast (`/campaigns/trigger/send` with `broadcast: true`) is accepted as one row, in one
 * transaction, and the answer does not wait for it: the worker then decides it page by page
 * (`runBroadcastPage`), each page of users its own transaction that moves the broadcast's cursor
 * with its decisions. A broadcast to a million users thus never holds SQLite's single writer for
 * more than a page, and a crash resumes it after the last committed page: every user of the
 * audience is triggered once.
 */
export async function startBroadcast(
  engine: Engine,
  campaignId: string,
  properties: Record<string, Json>,
): Promise<string> {
  const dispatchId = engine.newId();
  await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    await tx.campaigns.insertBroadcast({
      dispatch_id: dispatchId,
      campaign_id: campaignId,
      properties,
      after_user: null,
      recipients: 0,
      state: 'running',
      created_at: now,
      updated_at: now,
    });
  });
  engine.work.notify();
  return dispatchId;
}

/**
 * Decides the next page of the oldest running broadcast: up to `pageSize` users after its cursor,
 * those in the campaign's audience triggered as for any trigger (users outside it get no timeline
 * row). An empty page, or a campaign that is no longer active, ends the broadcast. Returns how
 * many users it read, 1 for the step that ends a broadcast, and 0 when none is running.
 */
export async function runBroadcastPage(engine: Engine, pageSize: number): Promise<number> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  return engine.store.transaction(async (tx) => {
    const broadcast = await tx.campaigns.claimRunningBroadcast();
    if (!broadcast) return 0;
    const now = engine.clock.now();
    const live = defs.campaigns.get(broadcast.campaign_id);
    const campaign = live?.campaign.status === 'active' ? live.campaign : null;
    const ids = campaign ? await tx.userIdsAfter(broadcast.after_user, pageSize) : [];
    if (!campaign || ids.length === 0) {
      await tx.campaigns.updateBroadcast(broadcast.dispatch_id, {
        after_user: broadcast.after_user,
        recipients: broadcast.recipients,
        state: 'done',
        updated_at: now,
      });
      return 1;
    }
    const users = new Map((await tx.loadUsers({ ...emptyUserKeys(), ids })).map((u) => [u.id, u]));
    const states = await loadStates(tx, [...users.keys()], users);
    const occurrences: UserOccurrence[] = [];
    for (const [id, state] of states) {
      if (!inAudience(campaign.audience, state.user, audienceContext(state, { now, segments: defs.segments })))
        continue;
      occurrences.push({
        userId: id,
        occurrence: { kind: 'api', campaign: broadcast.campaign_id, properties: { ...broadcast.properties } },
      });
    }
    await evaluateOccurrences(engine, tx, defs, settings, occurrences, users);
    await tx.campaigns.updateBroadcast(broadcast.dispatch_id, {
      after_user: ids[ids.length - 1] ?? broadcast.after_user,
      recipients: broadcast.recipients + occurrences.length,
      state: 'running',
      updated_at: now,
    });
    return ids.length;
  });
}
