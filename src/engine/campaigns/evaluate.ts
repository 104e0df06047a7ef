import {
  decideOccurrence,
  emptyDecisions,
  type DecisionContext,
  type Decisions,
  type UserCampaignState,
} from '../../core/campaigns/decide.ts';
import type { InboundContext, Occurrence } from '../../core/campaigns/triggers.ts';
import type { UserRecord } from '../../core/user.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { StoreTx } from '../../store/store.ts';
import type { Engine } from '../engine.ts';
import type { LiveDefinitions } from './definitions.ts';

export interface UserOccurrence {
  occurrence: Occurrence;
  userId: string;
  inbound?: InboundContext;
}

/**
 * Runs the campaign decisions for occurrences that happened in this transaction (in order), and
 * writes them — timeline, pending entries, cancellations, conversions — in the same transaction.
 * Returns the decisions; when they hold new entries, the caller wakes the worker after the commit.
 */
export async function evaluateOccurrences(
  engine: Engine,
  tx: StoreTx,
  defs: LiveDefinitions,
  settings: Settings,
  occurrences: UserOccurrence[],
  users: ReadonlyMap<string, UserRecord>,
): Promise<Decisions> {
  const out = emptyDecisions();
  if (defs.campaigns.size === 0 || occurrences.length === 0) return out;
  const userIds = [...new Set(occurrences.map((o) => o.userId))].filter((id) => users.has(id));
  const states = await loadStates(tx, userIds, users);
  const ctx: DecisionContext = {
    now: engine.clock.now(),
    companyTimeZone: settings.company_time_zone,
    campaigns: defs.campaigns,
    segments: defs.segments,
    index: defs.index,
    newId: engine.newId,
  };
  for (const { occurrence, userId, inbound } of occurrences) {
    const state = states.get(userId);
    if (state) decideOccurrence(occurrence, state, ctx, out, inbound);
  }
  await writeDecisions(tx, out, ctx.now);
  return out;
}

export async function loadStates(
  tx: StoreTx,
  userIds: string[],
  users: ReadonlyMap<string, UserRecord>,
): Promise<Map<string, UserCampaignState>> {
  const [pending, receipts] = await Promise.all([tx.campaigns.pendingEntries(userIds), tx.campaigns.receipts(userIds)]);
  const states = new Map<string, UserCampaignState>(
    userIds.map((id) => [id, { user: users.get(id)!, pending: [], receipts: new Map() }]),
  );
  for (const entry of pending) states.get(entry.user_id)?.pending.push(entry);
  for (const receipt of receipts) states.get(receipt.user_id)?.receipts.set(receipt.campaign_id, receipt);
  return states;
}

export async function writeDecisions(tx: StoreTx, decisions: Decisions, now: number): Promise<void> {
  if (decisions.finished.length > 0) {
    // A send the scheduler claimed meanwhile (another process) went out: it was not cancelled.
    const finished = new Set(await tx.campaigns.finishEntries(decisions.finished, now));
    decisions.timeline = decisions.timeline.filter(
      (row) => row.outcome !== 'cancelled' || row.entry_id === null || finished.has(row.entry_id),
    );
  }
  if (decisions.entries.length > 0) await tx.campaigns.insertEntries(decisions.entries);
  if (decisions.receipts.length > 0) await tx.campaigns.upsertReceipts(decisions.receipts);
  if (decisions.timeline.length > 0) await tx.campaigns.insertTimeline(decisions.timeline);
}
