import { timelineRow } from '../../core/campaigns/decide.ts';
import { emptyUserKeys } from '../../core/identifiers.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { MessageRow, Receipt, TimelineRow } from '../../store/campaign-store.ts';
import type { StoreTx } from '../../store/store.ts';
import type { Engine } from '../engine.ts';
import type { LiveDefinitions } from './definitions.ts';
import { evaluateOccurrences, type UserOccurrence } from './evaluate.ts';

/**
 * Delivers messages into the sandbox inside the caller's transaction, and records what a send
 * records: the `sent` timeline row, the campaign receipt, and the campaigns listening for the
 * `sent` interaction. The messages themselves are already written (or marked) `sent` by the
 * caller; all of it commits together, so a delivery happens exactly once.
 */
export async function deliverToSandbox(
  engine: Engine,
  tx: StoreTx,
  defs: LiveDefinitions,
  settings: Settings,
  messages: MessageRow[],
  now: number,
): Promise<void> {
  if (messages.length === 0) return;
  const ctx = { now, newId: engine.newId };
  const timeline: TimelineRow[] = [];
  const receipts: Receipt[] = [];
  const occurrences: UserOccurrence[] = [];
  for (const message of messages) {
    const row = timelineRow(ctx, message.user_id, message.campaign_id, message.entry_id, 'sent', null, {
      channel: message.channel_id,
      to: message.recipient,
      payload: message.payload,
      ...message.details,
    });
    timeline.push({ ...row, message_id: message.id });
    if (message.campaign_id !== null) {
      receipts.push({ user_id: message.user_id, campaign_id: message.campaign_id, last_received_at: now, converted_at: null });
      occurrences.push({ userId: message.user_id, occurrence: { kind: 'campaign_interaction', campaign: message.campaign_id, interaction: 'sent', user_id: message.user_id } });
    }
  }
  await tx.campaigns.insertSandboxMessages(messages.map((m) => ({
    message_id: m.id,
    channel_id: m.channel_id,
    channel_type: m.channel_type,
    recipient: m.recipient,
    payload: m.payload,
    received_at: now,
  })));
  await tx.campaigns.insertTimeline(timeline);
  if (receipts.length > 0) await tx.campaigns.upsertReceipts(receipts);
  // Most sends fire nothing: load users and their campaign state only for those that do.
  const listened = occurrences.filter(({ occurrence }) =>
    defs.index.match(occurrence).length > 0 || defs.index.exceptionsFor(occurrence).length > 0 || defs.index.conversionsFor(occurrence).length > 0);
  if (listened.length === 0) return;
  const userIds = [...new Set(listened.map((o) => o.userId))];
  const users = new Map((await tx.loadUsers({ ...emptyUserKeys(), ids: userIds })).map((u) => [u.id, u]));
  const decisions = await evaluateOccurrences(engine, tx, defs, settings, listened, users);
  if (decisions.entries.length > 0) engine.work.notify();
}
