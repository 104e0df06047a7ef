import { attempt as attemptMessage, type Attempt, type ChannelAdapter } from '../../core/campaigns/send-check.ts';
import { timelineRow } from '../../core/campaigns/decide.ts';
import { emptyUserKeys } from '../../core/identifiers.ts';
import type { Json } from '../../core/user.ts';
import type { Channel } from '../../schemas/channel.ts';
import { moduleOf } from '../../channels/registry.ts';
import type { JourneyEntry } from '../../core/campaigns/journey-entry.ts';
import type { MessageRow } from '../../core/message.ts';
import type { TimelineRow } from '../../core/timeline.ts';
import { deliverToSandbox, type RecordContext } from './delivery.ts';

/**
 * Writes what send attempts came to, in the caller's transaction: a suppression is a timeline
 * row; a message goes into the outbox for the dispatcher, or, on a channel that delivers into the
 * sandbox, is delivered there at once. With `claimUntil`, the outbox messages are written already
 * claimed by the caller until then (`sending`, first attempt) and returned for it to send: the
 * worker sends what its scheduler just wrote without claiming it in another transaction.
 */
export async function writeAttempts(
  ctx: RecordContext,
  adapter: ChannelAdapter,
  items: Array<{ entry: JourneyEntry; attempt: Attempt }>,
  options: { claimUntil?: number } = {},
): Promise<MessageRow[]> {
  const claimUntil = options.claimUntil ?? null;
  const { engine, now } = ctx;
  const timeline: TimelineRow[] = [];
  const messages: MessageRow[] = [];
  const delivered: MessageRow[] = [];
  const claimed: MessageRow[] = [];
  for (const { entry, attempt } of items) {
    if (attempt.kind === 'suppress') {
      const details = { ...attempt.details, ...(attempt.channel ? { channel: attempt.channel } : {}) };
      timeline.push(
        timelineRow(
          { now, newId: engine.newId },
          entry.user_id,
          entry.campaign_id,
          entry.id,
          'suppressed',
          attempt.reason,
          details,
        ),
      );
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
      state: inSandbox ? 'sent' : claimUntil !== null ? 'sending' : 'queued',
      attempts: inSandbox || claimUntil !== null ? 1 : 0,
      next_attempt_at: now,
      lease_until: inSandbox ? null : claimUntil,
      provider_message_id: null,
      error_code: null,
      error_message: null,
      details: {
        ...attempt.details,
        due_at: new Date(entry.due_at).toISOString(),
        ...replyDetails(entry, attempt.channel),
      },
      created_at: now,
      updated_at: now,
    };
    messages.push(message);
    if (inSandbox) delivered.push(message);
    else if (claimUntil !== null) claimed.push(message);
  }
  if (messages.length > 0) await ctx.tx.campaigns.insertMessages(messages);
  if (timeline.length > 0) await ctx.tx.campaigns.insertTimeline(timeline);
  await deliverToSandbox(ctx, delivered);
  return claimed;
}

/**
 * An answer on the channel an inbound message came in on may use that message's reply token
 * (free, unlike a send) until `reply_by`, on a channel with reply tokens: its module's
 * `inbound.replyWindowMs` says how long a token lasts.
 */
function replyDetails(entry: JourneyEntry, channel: Channel): Record<string, Json> {
  const inbound = entry.context.inbound;
  const window = moduleOf(channel).inbound?.replyWindowMs;
  if (window === undefined || !inbound || inbound.channel !== channel.id || typeof inbound.reply_token !== 'string')
    return {};
  return { reply_token: inbound.reply_token, reply_by: entry.triggered_at + window };
}

/**
 * The failure branch after a provider refused a message or stayed unavailable: the campaign's
 * `fallback` message is tried once (not after a fallback), rendered from the same trigger.
 */
export async function sendFallbacks(ctx: RecordContext, adapter: ChannelAdapter, failed: MessageRow[]): Promise<void> {
  const { defs, tx, now } = ctx;
  const candidates = failed.filter(
    (m) =>
      m.entry_id !== null &&
      m.campaign_id !== null &&
      m.details.fallback !== true &&
      defs.campaigns.get(m.campaign_id)?.campaign.message.fallback,
  );
  if (candidates.length === 0) return;
  const entries = new Map((await tx.campaigns.getEntries(candidates.map((m) => m.entry_id!))).map((e) => [e.id, e]));
  const users = new Map(
    (await tx.loadUsers({ ...emptyUserKeys(), ids: [...new Set(candidates.map((m) => m.user_id))] })).map((u) => [
      u.id,
      u,
    ]),
  );
  const items: Array<{ entry: JourneyEntry; attempt: Attempt }> = [];
  for (const message of candidates) {
    const campaign = defs.campaigns.get(message.campaign_id!)!.campaign;
    const entry = entries.get(message.entry_id!);
    const user = users.get(message.user_id);
    if (!entry || !user) continue;
    const tried = attemptMessage(campaign.message.fallback!, entry, campaign, user, {
      now,
      segments: defs.segments,
      channels: defs.channels,
      contentBlocks: defs.contentBlocks,
      adapter,
      publicUrl: ctx.settings.public_url,
    });
    items.push({ entry, attempt: { ...tried, details: { ...tried.details, fallback: true } } });
  }
  await writeAttempts(ctx, adapter, items);
}
