import { moduleOf } from '../channels/registry.ts';
import type { InboundEvent, InboundOutcome } from '../channels/channel-module.ts';
import { systemEvent, type EventRecord } from '../core/event.ts';
import type { SmsKeyword } from '../core/sms-keywords.ts';
import type { Json, UserRecord } from '../core/user.ts';
import type { Channel } from '../schemas/channel.ts';
import type { StoreTx } from '../store/store.ts';
import { findOrCreateByAddress } from './address-users.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { recordDelivered, recordFailed } from './campaigns/delivery.ts';
import { cachedSettings, type Engine } from './engine.ts';
import { SubscriptionChanges } from './subscription-change.ts';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type ConversationEvent = Exclude<InboundEvent, { kind: 'delivery_status' }>;
type StatusEvent = Extract<InboundEvent, { kind: 'delivery_status' }>;

/**
 * What a verified webhook's events do, for every channel, in one transaction:
 * - redeliveries (an event id seen before on this channel, or twice in one body) are skipped;
 * - the sender is found by the channel's address field, or gets a profile with that address and
 *   the alias `{alias_label: FIELD, alias_name: ADDRESS}`;
 * - `follow` / `unfollow` set the channel's subscription group (`subscription_changed` when the
 *   state changes) and record the channel's follow event;
 * - a `message` answers the group's keywords when the channel has them (an opt-in or opt-out
 *   changes the subscription, the keyword's reply is logged as a sent message and returned for
 *   the webhook's answer; any other message also records the channel's response event), records
 *   `inbound_message` and makes the channel the user's last interacted one;
 * - a `delivery_status` moves a message not yet final to `delivered` or `failed`;
 * then the triggers fire, in the order things happened (never for an event that is not
 * `answerable`). No provider call is made.
 */
export async function receiveInbound(
  engine: Engine,
  channel: Channel,
  events: InboundEvent[],
  ignored = 0,
): Promise<InboundOutcome> {
  const outcome: InboundOutcome = { recorded: 0, redelivered: 0, ignored, replies: [] };
  if (events.length === 0) return outcome;
  const module = moduleOf(channel);
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const conversation = events.filter((e): e is ConversationEvent => e.kind !== 'delivery_status');
  const statuses = events.filter((e): e is StatusEvent => e.kind === 'delivery_status');

  const scheduled = await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    Object.assign(outcome, { recorded: 0, redelivered: 0, replies: [] });
    const scope = { engine, tx, defs, settings, now };
    if (statuses.length > 0) outcome.recorded += await recordStatuses(scope, channel, statuses);
    const todo = await firstDeliveries(tx, channel.id, conversation, now);
    outcome.redelivered = conversation.length - todo.length;
    outcome.recorded += todo.length;
    if (todo.length === 0) return false;
    const field = module.addressField;
    if (field === null) throw new Error(`Channel type '${channel.type}' has no address field for inbound events`);
    const { users } = await findOrCreateByAddress(
      engine,
      tx,
      field,
      todo.map((e) => e.address),
      now,
    );

    const groupId = channelGroup(channel);
    const keywords = module.inbound?.keywords;
    // Keywords are the group's definition; without it, the channel answers none.
    const group = keywords && groupId !== null ? await tx.getSubscriptionGroup(groupId) : null;
    const recordedGroup = keywords ? (group?.id ?? null) : groupId;
    const records: EventRecord[] = [];
    const changes = new SubscriptionChanges(scope);
    const touched = new Map<string, UserRecord>();
    const record = (user: UserRecord, name: string, at: number | undefined, properties: Record<string, Json>) => {
      const event = systemEvent({ now, newId: engine.newId }, user.id, name, properties, at ?? now);
      records.push(event);
      return event;
    };
    const replies: Array<{ user: UserRecord; event: MessageEvent; keyword: SmsKeyword; text: string; payload: Json }> =
      [];

    for (const event of todo) {
      const user = users.get(event.address)!;
      if (event.kind !== 'message') {
        const name = module.inbound?.followEvents?.[event.kind];
        if (name === undefined) continue;
        if (groupId !== null) {
          const state = event.kind === 'follow' ? 'subscribed' : 'unsubscribed';
          changes.change({ user, groupId, state, source: name }, { fires: event.answerable });
        }
        const followed = record(user, name, event.at, { channel: channel.id });
        if (event.answerable)
          changes.occurred({ userId: user.id, occurrence: { kind: 'event', event: followed } }, user);
        continue;
      }
      const keyword: SmsKeyword | null = keywords && group ? keywords.classify(event.text ?? '', group) : null;
      if (keywords && group && (keyword?.kind === 'opt_out' || keyword?.kind === 'opt_in')) {
        const state = keyword.kind === 'opt_out' ? 'unsubscribed' : 'subscribed';
        changes.change({ user, groupId: group.id, state, source: keywords.source }, { fires: event.answerable });
      }
      const inbound = record(user, 'inbound_message', event.at, {
        channel: channel.id,
        channel_type: module.subscriptionChannelType ?? channel.type,
        ...(recordedGroup !== null ? { subscription_group: recordedGroup } : {}),
        message_type: event.messageType,
        ...event.properties,
      });
      const response =
        keywords && group && (keyword === null || keyword.kind === 'custom')
          ? keywords.responseEvent(group.id, event)
          : null;
      const responded = response ? record(user, response.name, event.at, response.properties) : null;
      user.last_interacted_channel = channel.id;
      user.updated_at = now;
      touched.set(user.id, user);
      if (event.answerable) {
        changes.occurred(
          {
            userId: user.id,
            occurrence: { kind: 'event', event: inbound },
            inbound: { keywordMatched: keyword !== null },
          },
          user,
        );
        if (responded) changes.occurred({ userId: user.id, occurrence: { kind: 'event', event: responded } }, user);
      }
      if (keywords && keyword && group) {
        const text = keywords.reply(keyword, group, user.subscriptions[group.id]?.state === 'subscribed');
        if (text !== null) replies.push({ user, event, keyword, text, payload: keywords.replyPayload(text) });
      }
    }
    if (touched.size > 0) await tx.updateUsers([...touched.values()]);
    await tx.insertEvents(records);
    for (const reply of replies) {
      await logReply(engine, tx, channel, reply.user, reply.event.address, reply, now);
      outcome.replies.push(reply.text);
    }
    const { decisions } = await changes.commit();
    return decisions.entries.length > 0;
  });
  if (scheduled) engine.work.notify();
  return outcome;
}

function channelGroup(channel: Channel): string | null {
  return 'subscription_group' in channel ? (channel.subscription_group ?? null) : null;
}

/** The events seen for the first time on this channel (an id twice in one body counts once, as a redelivery would). */
async function firstDeliveries(
  tx: StoreTx,
  channelId: string,
  events: ConversationEvent[],
  now: number,
): Promise<ConversationEvent[]> {
  const ids = events.map((e) => e.eventId).filter((id) => id !== '');
  const fresh = new Set(ids.length > 0 ? await tx.campaigns.markWebhookEvents(channelId, ids, now) : []);
  const seen = new Set<string>();
  return events.filter((e) => {
    if (e.eventId === '') return true;
    if (!fresh.has(e.eventId) || seen.has(e.eventId)) return false;
    seen.add(e.eventId);
    return true;
  });
}

/** A keyword's reply leaves in the webhook's own answer; it is logged as a sent message. */
async function logReply(
  engine: Engine,
  tx: StoreTx,
  channel: Channel,
  user: UserRecord,
  to: string,
  { keyword, text: reply, payload }: { keyword: SmsKeyword; text: string; payload: Json },
  now: number,
): Promise<void> {
  const id = engine.newId();
  const details = {
    source: 'keyword',
    keyword: keyword.kind,
    ...(keyword.kind === 'custom' ? { category: keyword.category } : {}),
  };
  await tx.campaigns.insertMessages([
    {
      id,
      entry_id: null,
      campaign_id: null,
      user_id: user.id,
      channel_id: channel.id,
      channel_type: channel.type,
      recipient: to,
      payload,
      state: 'sent',
      attempts: 1,
      next_attempt_at: now,
      lease_until: null,
      provider_message_id: null,
      error_code: null,
      error_message: null,
      details,
      created_at: now,
      updated_at: now,
    },
  ]);
  await tx.campaigns.insertTimeline([
    {
      id: engine.newId(),
      user_id: user.id,
      campaign_id: null,
      entry_id: null,
      message_id: id,
      at: now,
      outcome: 'sent',
      reason: null,
      details: { ...details, channel: channel.id, to, text: reply },
    },
  ]);
}

/**
 * Delivery reports: `delivered` moves the message to `delivered` (timeline row and the
 * `delivered` interaction); `failed` to `failed` with the provider's code (`provider_rejected`,
 * and the `failed` interaction). Unknown messages and messages already in a final state change
 * nothing. Returns how many changed.
 */
async function recordStatuses(
  ctx: Parameters<typeof recordDelivered>[0],
  channel: Channel,
  statuses: StatusEvent[],
): Promise<number> {
  let changed = 0;
  for (const status of statuses) {
    const message = await ctx.tx.campaigns.findMessageByProviderId(channel.id, status.providerMessageId);
    if (!message || message.state === 'delivered' || message.state === 'failed') continue;
    changed += 1;
    if (status.status === 'delivered') {
      await ctx.tx.campaigns.updateMessages([message.id], { state: 'delivered', updated_at: ctx.now });
      await recordDelivered(ctx, [message]);
      continue;
    }
    const code = status.errorCode ?? 'failed';
    const error = status.error ?? 'The provider reported the message failed';
    await ctx.tx.campaigns.updateMessages([message.id], {
      state: 'failed',
      error_code: code,
      error_message: error,
      updated_at: ctx.now,
    });
    await recordFailed(ctx, [{ message, reason: 'provider_rejected', code, error }]);
  }
  return changed;
}
