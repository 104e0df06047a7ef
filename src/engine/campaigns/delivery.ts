import { timelineRow } from '../../core/campaigns/decide.ts';
import { emptyUserKeys } from '../../core/identifiers.ts';
import type { Json } from '../../core/user.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { MessageRow } from '../../core/message.ts';
import type { Receipt } from '../../core/campaigns/receipt.ts';
import type { TimelineRow } from '../../core/timeline.ts';
import type { StoreTx } from '../../store/store.ts';
import type { Engine } from '../engine.ts';
import { changeSubscriptions } from '../subscription-change.ts';
import type { LiveDefinitions } from './definitions.ts';
import { evaluateOccurrences, type UserOccurrence } from './evaluate.ts';

/** What recording an outcome needs: the engine, the transaction, the live definitions, the settings. */
export interface RecordContext {
  engine: Engine;
  tx: StoreTx;
  defs: LiveDefinitions;
  settings: Settings;
  now: number;
}

/** Delivers messages into the sandbox inside the caller's transaction, and records them sent. */
export async function deliverToSandbox(ctx: RecordContext, messages: MessageRow[]): Promise<void> {
  if (messages.length === 0) return;
  await ctx.tx.campaigns.insertSandboxMessages(
    messages.map((m) => ({
      message_id: m.id,
      channel_id: m.channel_id,
      channel_type: m.channel_type,
      recipient: m.recipient,
      payload: m.payload,
      received_at: ctx.now,
    })),
  );
  await recordSent(ctx, messages);
}

/**
 * What a send records, in the caller's transaction (the message rows themselves are already
 * marked `sent`): the `sent` timeline row, the campaign receipt, and the campaigns listening for
 * the `sent` interaction.
 */
export async function recordSent(ctx: RecordContext, messages: MessageRow[]): Promise<void> {
  if (messages.length === 0) return;
  const timeline = messages.map((m) =>
    messageRow(ctx, m, 'sent', null, { channel: m.channel_id, to: m.recipient, payload: m.payload, ...m.details }),
  );
  const receipts: Receipt[] = messages
    .filter((m) => m.campaign_id !== null)
    .map((m) => ({ user_id: m.user_id, campaign_id: m.campaign_id!, last_received_at: ctx.now, converted_at: null }));
  await ctx.tx.campaigns.insertTimeline(timeline);
  if (receipts.length > 0) await ctx.tx.campaigns.upsertReceipts(receipts);
  await fireInteractions(ctx, messages, 'sent');
}

/** Why a message failed: its provider refused it, stayed unavailable, or its destination is not allowed. */
export type FailureReason = 'provider_rejected' | 'provider_unavailable' | 'destination_not_allowed';

/**
 * A message its provider refused, or that could not be sent within the retry window: the
 * `failed` timeline row with the provider's code and message, and the campaigns listening for
 * the `failed` interaction. A failed message is not a receipt (the user stays eligible).
 */
export async function recordFailed(
  ctx: RecordContext,
  failures: Array<{
    message: MessageRow;
    reason: FailureReason;
    code: string;
    error: string;
  }>,
): Promise<void> {
  if (failures.length === 0) return;
  await ctx.tx.campaigns.insertTimeline(
    failures.map(({ message, reason, code, error }) =>
      messageRow(ctx, message, 'failed', reason, {
        channel: message.channel_id,
        to: message.recipient,
        code,
        message: error,
      }),
    ),
  );
  await fireInteractions(
    ctx,
    failures.map((f) => f.message),
    'failed',
  );
}

/** A provider's delivery receipt: the `delivered` timeline row and the `delivered` interaction. */
export async function recordDelivered(ctx: RecordContext, messages: MessageRow[]): Promise<void> {
  if (messages.length === 0) return;
  await ctx.tx.campaigns.insertTimeline(
    messages.map((m) => messageRow(ctx, m, 'delivered', null, { channel: m.channel_id, to: m.recipient })),
  );
  await fireInteractions(ctx, messages, 'delivered');
}

/**
 * A provider saying the recipient opted out (Twilio 21610: they replied STOP to that sender) is
 * recorded on the profile too: unsubscribed from the channel's group, with `subscription_changed`.
 */
export async function recordOptOuts(
  ctx: RecordContext,
  failures: Array<{ message: MessageRow; code: string }>,
): Promise<void> {
  const changes: Array<{ user_id: string; group_id: string }> = [];
  for (const { message, code } of failures) {
    const channel = ctx.defs.channels.get(message.channel_id);
    if (code === '21610' && channel?.type === 'twilio_sms' && channel.subscription_group)
      changes.push({ user_id: message.user_id, group_id: channel.subscription_group });
  }
  if (changes.length === 0) return;
  const users = new Map(
    (await ctx.tx.loadUsers({ ...emptyUserKeys(), ids: [...new Set(changes.map((c) => c.user_id))] })).map((u) => [
      u.id,
      u,
    ]),
  );
  const { decisions } = await changeSubscriptions(
    ctx,
    changes
      .filter((c) => users.has(c.user_id))
      .map((c) => ({
        user: users.get(c.user_id)!,
        groupId: c.group_id,
        state: 'unsubscribed' as const,
        source: 'provider_opt_out' as const,
      })),
  );
  if (decisions.entries.length > 0) ctx.engine.work.notify();
}

function messageRow(
  ctx: RecordContext,
  message: MessageRow,
  outcome: string,
  reason: string | null,
  details: Record<string, Json>,
): TimelineRow {
  const row = timelineRow(
    { now: ctx.now, newId: ctx.engine.newId },
    message.user_id,
    message.campaign_id,
    message.entry_id,
    outcome,
    reason,
    details,
  );
  return { ...row, message_id: message.id };
}

async function fireInteractions(
  ctx: RecordContext,
  messages: MessageRow[],
  interaction: 'sent' | 'delivered' | 'failed',
): Promise<void> {
  const occurrences: UserOccurrence[] = messages
    .filter((m) => m.campaign_id !== null)
    .map((m) => ({
      userId: m.user_id,
      occurrence: { kind: 'campaign_interaction', campaign: m.campaign_id!, interaction, user_id: m.user_id },
    }));
  // Most sends fire nothing: load users and their campaign state only for those that do.
  const index = ctx.defs.index;
  const listened = occurrences.filter(
    ({ occurrence }) =>
      index.match(occurrence).length > 0 ||
      index.exceptionsFor(occurrence).length > 0 ||
      index.conversionsFor(occurrence).length > 0,
  );
  if (listened.length === 0) return;
  const userIds = [...new Set(listened.map((o) => o.userId))];
  const users = new Map((await ctx.tx.loadUsers({ ...emptyUserKeys(), ids: userIds })).map((u) => [u.id, u]));
  const decisions = await evaluateOccurrences(ctx.engine, ctx.tx, ctx.defs, ctx.settings, listened, users);
  if (decisions.entries.length > 0) ctx.engine.work.notify();
}
