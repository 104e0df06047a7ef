import { timelineRow } from '../../core/campaigns/decide.ts';
import { emptyUserKeys } from '../../core/identifiers.ts';
import type { Receipt, TimelineRow } from '../../store/campaign-store.ts';
import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { liveDefinitions } from './definitions.ts';
import { evaluateOccurrences, type UserOccurrence } from './evaluate.ts';

/** How long a claimed message belongs to the dispatcher that claimed it; after that another may retry it. */
export const SEND_LEASE_MS = 30_000;

/**
 * Sends due outgoing messages. Every channel delivers into the sandbox for now (the real
 * providers come with the channels): the sandbox row, the `sent` state, the timeline, the receipt
 * and the campaigns that listen for this interaction commit together, so a message is recorded
 * exactly once however often the process dies. Returns how many messages it sent.
 */
export async function runDueMessages(engine: Engine, limit = 200): Promise<number> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const sent = await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const messages = await tx.campaigns.claimDueMessages(now, limit, now + SEND_LEASE_MS);
    if (messages.length === 0) return 0;
    const ctx = { now, newId: engine.newId };
    const timeline: TimelineRow[] = [];
    const receipts: Receipt[] = [];
    const occurrences: UserOccurrence[] = [];
    for (const message of messages) {
      await tx.campaigns.insertSandboxMessage({
        message_id: message.id,
        channel_id: message.channel_id,
        channel_type: message.channel_type,
        recipient: message.recipient,
        payload: message.payload,
        received_at: now,
      });
      await tx.campaigns.updateMessage(message.id, { state: 'sent', lease_until: null, provider_message_id: `sandbox-${message.id}`, updated_at: now });
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
    await tx.campaigns.insertTimeline(timeline);
    if (receipts.length > 0) await tx.campaigns.upsertReceipts(receipts);
    // Most sends fire nothing: load users and their campaign state only for those that do.
    const listened = occurrences.filter(({ occurrence }) =>
      defs.index.match(occurrence).length > 0 || defs.index.exceptionsFor(occurrence).length > 0 || defs.index.conversionsFor(occurrence).length > 0);
    if (listened.length > 0) {
      const userIds = [...new Set(listened.map((o) => o.userId))];
      const users = new Map((await tx.loadUsers({ ...emptyUserKeys(), ids: userIds })).map((u) => [u.id, u]));
      const decisions = await evaluateOccurrences(engine, tx, defs, settings, listened, users);
      if (decisions.entries.length > 0) engine.work.notify();
    }
    return messages.length;
  });
  return sent;
}
