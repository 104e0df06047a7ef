import { senderFor, type Send } from '../../channels/sender.ts';
import type { ChannelAdapter } from '../../core/campaigns/send-check.ts';
import type { ProviderResult } from '../../channels/provider-result.ts';
import { nextRetry } from '../../core/send-retry.ts';
import type { MessageRow, MessageUpdate } from '../../core/message.ts';
import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { liveDefinitions } from './definitions.ts';
import { SendClaim, sendLeaseMs } from './send-claim.ts';
import { sendFallbacks } from './attempts.ts';
import { deliverToSandbox, recordFailed, recordOptOuts, recordSent, type FailureReason } from './delivery.ts';

/** Provider calls in flight at once. */
const SEND_CONCURRENCY = 32;

/**
 * Sends due outgoing messages (the outbox): claims them (a transaction), calls the providers
 * outside any transaction, then records every outcome in one transaction — only for the messages
 * still held under this claim. A crash between the call and the record leaves the message to be
 * claimed again when the lease runs out and sent again: LINE drops the repeat by its retry key.
 * Channels without a provider client deliver into the sandbox in the recording transaction. A
 * failed message's campaign `fallback` is tried once, in that transaction too.
 * Returns how many messages it handled.
 */
export async function runDueMessages(engine: Engine, adapter: ChannelAdapter, limit = 2000): Promise<number> {
  const claimedAt = engine.clock.now();
  const lease = claimedAt + sendLeaseMs(engine.config.providerTimeoutMs);
  const claimed = await engine.store.transaction((tx) => tx.campaigns.claimDueMessages(claimedAt, limit, lease));
  await sendClaimed(engine, adapter, claimed, lease);
  return claimed.length;
}

/**
 * Sends messages this process holds under the claim `lease`, and records the outcomes (see
 * runDueMessages). Before a call that could outlast the lease (slow providers, a batch that
 * waited behind an earlier one), the lease is renewed (SendClaim); a message another dispatcher
 * took meanwhile is left to it, neither sent nor recorded here.
 */
export async function sendClaimed(
  engine: Engine,
  adapter: ChannelAdapter,
  claimed: MessageRow[],
  lease: number,
): Promise<void> {
  if (claimed.length === 0) return;
  const claim = new SendClaim(
    engine,
    claimed.map((m) => m.id),
    lease,
    engine.config.providerTimeoutMs,
  );
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const toSandbox: MessageRow[] = [];
  const calls: Array<{ message: MessageRow; send: Send }> = [];
  // One sender per channel of the batch: building one resolves the channel's secrets and config.
  const senders = new Map<string, Send | null>();
  for (const message of claimed) {
    if (!senders.has(message.channel_id))
      senders.set(message.channel_id, senderFor(defs.channels.get(message.channel_id), engine.config));
    const send = senders.get(message.channel_id) ?? null;
    if (send) calls.push({ message, send });
    else toSandbox.push(message);
  }
  const results = await inBatches(calls, SEND_CONCURRENCY, async ({ message, send }) =>
    (await claim.mayCall(message.id)) ? send(message, engine.clock.now()) : null,
  );
  const { lease: heldLease } = claim;

  await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const ctx = { engine, tx, defs, settings, now };
    const held = new Set(
      await tx.campaigns.updateClaimedMessages(
        toSandbox.map((m) => m.id),
        heldLease,
        { state: 'sent', lease_until: null, updated_at: now },
      ),
    );
    await deliverToSandbox(
      ctx,
      toSandbox.filter((m) => held.has(m.id)),
    );

    // The sends together (markClaimedMessagesSent), each with its own provider id; retries and failures, rarer, one by one.
    const outcomes = calls.map(({ message }, i) => ({ message, outcome: outcomeOf(results[i] ?? null, message, now) }));
    const delivered = outcomes.flatMap(({ message, outcome }) =>
      outcome.kind === 'sent' ? [{ message, outcome }] : [],
    );
    const sentIds = new Set(
      await tx.campaigns.markClaimedMessagesSent(
        delivered.map(({ message, outcome }) => ({
          id: message.id,
          provider_message_id: outcome.update.provider_message_id ?? null,
        })),
        heldLease,
        now,
      ),
    );
    const sent = delivered.filter(({ message }) => sentIds.has(message.id)).map(({ message }) => message);
    const failed: Parameters<typeof recordFailed>[1] = [];
    for (const { message, outcome } of outcomes) {
      if (outcome.kind !== 'retry' && outcome.kind !== 'failed') continue;
      const [stillHeld] = await tx.campaigns.updateClaimedMessages([message.id], heldLease, outcome.update);
      if (stillHeld !== undefined && outcome.kind === 'failed')
        failed.push({ message, reason: outcome.reason, code: outcome.code, error: outcome.error });
    }
    await recordSent(ctx, sent);
    await recordFailed(ctx, failed);
    await recordOptOuts(ctx, failed);
    await sendFallbacks(
      ctx,
      adapter,
      failed.map((f) => f.message),
    );
  });
}

type Outcome =
  | { kind: 'not_ours' }
  | { kind: 'sent'; update: MessageUpdate }
  | { kind: 'retry'; update: MessageUpdate }
  | {
      kind: 'failed';
      reason: FailureReason;
      code: string;
      error: string;
      update: MessageUpdate;
    };

/** The most of a provider's error text a message keeps (it is shown by /v1/messages and the timeline). */
export const MAX_PROVIDER_ERROR_LENGTH = 300;

/**
 * What a provider's answer does to the message: sent, queued again after a backoff, or failed.
 * The retry window counts from when the message was queued. A refused destination is failed at
 * once, as a rejection is: trying again reaches the same address.
 */
function outcomeOf(result: ProviderResult | null, message: MessageRow, now: number): Outcome {
  if (result === null) return { kind: 'not_ours' };
  if (result.kind === 'sent') {
    return {
      kind: 'sent',
      update: {
        state: 'sent',
        lease_until: null,
        provider_message_id: result.providerMessageId,
        error_code: null,
        error_message: null,
        updated_at: now,
      },
    };
  }
  const error = result.message.slice(0, MAX_PROVIDER_ERROR_LENGTH);
  const failure = { error_code: result.code, error_message: error, lease_until: null, updated_at: now };
  if (result.kind === 'transient') {
    const retry = nextRetry(now, message.attempts, message.created_at, Math.random());
    if (retry.retry) return { kind: 'retry', update: { ...failure, state: 'queued', next_attempt_at: retry.at } };
  }
  const reason = FAILURE_REASONS[result.kind];
  return { kind: 'failed', reason, code: result.code, error, update: { ...failure, state: 'failed' } };
}

const FAILURE_REASONS: { readonly [K in Exclude<ProviderResult['kind'], 'sent'>]: FailureReason } = {
  transient: 'provider_unavailable',
  rejected: 'provider_rejected',
  refused: 'destination_not_allowed',
};

/** Runs `work` over the items, at most `concurrency` at a time; results in the items' order. */
async function inBatches<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}
