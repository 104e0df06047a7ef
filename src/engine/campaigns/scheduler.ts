import { checkSend, type ChannelAdapter } from '../../core/campaigns/send-check.ts';
import { timelineRow, type UserCampaignState } from '../../core/campaigns/decide.ts';
import { emptyUserKeys } from '../../core/identifiers.ts';
import type { MessageRow, TimelineRow } from '../../store/campaign-store.ts';
import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { liveDefinitions } from './definitions.ts';
import { loadStates } from './evaluate.ts';
import { deliverToSandbox } from './delivery.ts';

/**
 * Pending sends that are due: claimed (on PostgreSQL other processes skip them), checked again
 * at send time, and turned into outgoing messages or a recorded suppression, in one transaction.
 * A message for a channel that delivers into the sandbox is delivered in that same transaction
 * (no provider to wait for); the others go into the outbox for the dispatcher.
 * Returns how many entries it handled.
 */
export async function runDueEntries(engine: Engine, adapter: ChannelAdapter, limit = 2000): Promise<number> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  return engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const entries = await tx.campaigns.claimDueEntries(now, limit);
    if (entries.length === 0) return 0;
    const userIds = [...new Set(entries.map((e) => e.user_id))];
    const users = new Map((await tx.loadUsers({ ...emptyUserKeys(), ids: userIds })).map((u) => [u.id, u]));
    // A user's pending sends and receipts matter here only to an audience checked again at send time.
    const reevaluates = entries.some((e) => defs.campaigns.get(e.campaign_id)?.campaign.reevaluate_audience_at_send === true);
    const states: Map<string, UserCampaignState> = reevaluates
      ? await loadStates(tx, [...users.keys()], users)
      : new Map([...users].map(([id, user]) => [id, { user, pending: [], receipts: new Map() }]));
    await tx.campaigns.finishEntries(entries.map((e) => e.id), now);

    const ctx = { now, newId: engine.newId };
    const timeline: TimelineRow[] = [];
    const messages: MessageRow[] = [];
    const delivered: MessageRow[] = [];
    for (const entry of entries) {
      const state = states.get(entry.user_id) ?? null;
      if (state) state.pending = state.pending.filter((e) => e.id !== entry.id);
      const attempts = checkSend(entry, defs.campaigns.get(entry.campaign_id), state, {
        now,
        segments: defs.segments,
        channels: defs.channels,
        contentBlocks: defs.contentBlocks,
        adapter,
      });
      for (const attempt of attempts) {
        if (attempt.kind === 'suppress') {
          timeline.push(timelineRow(ctx, entry.user_id, entry.campaign_id, entry.id, 'suppressed', attempt.reason, { ...attempt.details, ...(attempt.channel ? { channel: attempt.channel } : {}) }));
          continue;
        }
        const inSandbox = adapter.deliversInSandbox(attempt.channel);
        const message: MessageRow = {
          id: engine.newId(),
          entry_id: entry.id,
          campaign_id: entry.campaign_id,
          user_id: entry.user_id,
          channel_id: attempt.channel.id,
          channel_type: attempt.channel.type,
          recipient: attempt.recipient,
          payload: attempt.payload,
          state: inSandbox ? 'sent' : 'queued',
          attempts: inSandbox ? 1 : 0,
          next_attempt_at: now,
          lease_until: null,
          provider_message_id: null,
          error_code: null,
          error_message: null,
          details: { ...attempt.details, due_at: new Date(entry.due_at).toISOString() },
          created_at: now,
          updated_at: now,
        };
        messages.push(message);
        if (inSandbox) delivered.push(message);
      }
    }
    if (messages.length > 0) await tx.campaigns.insertMessages(messages);
    if (timeline.length > 0) await tx.campaigns.insertTimeline(timeline);
    await deliverToSandbox({ engine, tx, defs, settings, now }, delivered);
    return entries.length;
  });
}
