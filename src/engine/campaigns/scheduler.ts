import { checkSend, type Attempt, type ChannelAdapter } from '../../core/campaigns/send-check.ts';
import type { UserCampaignState } from '../../core/campaigns/decide.ts';
import { emptyUserKeys } from '../../core/identifiers.ts';
import type { JourneyEntry } from '../../core/campaigns/journey-entry.ts';
import type { MessageRow } from '../../core/message.ts';
import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { liveDefinitions } from './definitions.ts';
import { loadStates } from './evaluate.ts';
import { writeAttempts } from './attempts.ts';
import { sendLeaseMs } from './send-claim.ts';

export interface ScheduledRound {
  /** Entries handled. */
  handled: number;
  /** Outgoing messages written already claimed by the caller (`sending` until `leaseUntil`), for it to send. */
  claimed: MessageRow[];
  leaseUntil: number;
}

/**
 * Pending sends that are due: claimed (on PostgreSQL other processes skip them), checked again
 * at send time, and turned into outgoing messages or a recorded suppression, in one transaction.
 * A message for a channel that delivers into the sandbox is delivered in that same transaction
 * (no provider to wait for); the others go into the outbox already claimed by the caller, who
 * sends them next (dispatcher.ts `sendClaimed`) — or, should it die first, another dispatcher
 * once the lease has run out.
 */
export async function runDueEntries(engine: Engine, adapter: ChannelAdapter, limit = 2000): Promise<ScheduledRound> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  return engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const leaseUntil = now + sendLeaseMs(engine.config.providerTimeoutMs);
    const entries = await tx.campaigns.claimDueEntries(now, limit);
    if (entries.length === 0) return { handled: 0, claimed: [], leaseUntil };
    const userIds = [...new Set(entries.map((e) => e.user_id))];
    const users = new Map((await tx.loadUsers({ ...emptyUserKeys(), ids: userIds })).map((u) => [u.id, u]));
    // A user's pending sends and receipts matter here only to an audience checked again at send time.
    const reevaluates = entries.some(
      (e) => defs.campaigns.get(e.campaign_id)?.campaign.reevaluate_audience_at_send === true,
    );
    const states: Map<string, UserCampaignState> = reevaluates
      ? await loadStates(tx, [...users.keys()], users)
      : new Map([...users].map(([id, user]) => [id, { user, pending: [], receipts: new Map() }]));
    await tx.campaigns.finishEntries(
      entries.map((e) => e.id),
      now,
    );

    const items: Array<{ entry: JourneyEntry; attempt: Attempt }> = [];
    for (const entry of entries) {
      const state = states.get(entry.user_id) ?? null;
      if (state) state.pending = state.pending.filter((e) => e.id !== entry.id);
      const attempts = checkSend(entry, defs.campaigns.get(entry.campaign_id), state, {
        now,
        segments: defs.segments,
        channels: defs.channels,
        contentBlocks: defs.contentBlocks,
        adapter,
        publicUrl: settings.public_url,
      });
      for (const attempt of attempts) items.push({ entry, attempt });
    }
    const claimed = await writeAttempts({ engine, tx, defs, settings, now }, adapter, items, {
      claimUntil: leaseUntil,
    });
    return { handled: entries.length, claimed, leaseUntil };
  });
}
