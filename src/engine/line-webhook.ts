import type { webhook } from '@line/bot-sdk';
import type { InboundContext } from '../core/campaigns/triggers.ts';
import { systemEvent, type EventRecord } from '../core/event.ts';
import type { Json, UserRecord } from '../core/user.ts';
import type { ChannelOf } from '../schemas/channel.ts';
import type { SubscriptionChange } from '../store/store.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { evaluateOccurrences, type UserOccurrence } from './campaigns/evaluate.ts';
import { cachedSettings, type Engine } from './engine.ts';
import { findOrCreateLineUsers } from './line-users.ts';

export interface LineWebhookReport {
  recorded: number;
  redelivered: number;
  ignored: number;
}

/** LINE never matches a subscription-group keyword (SMS keywords are Twilio's). */
const LINE_INBOUND: InboundContext = { keywordMatched: false };

/**
 * The events of a verified LINE webhook, in one transaction: redeliveries (a `webhookEventId`
 * seen before) are skipped; `follow` and `unfollow` find or create the user by `line_id`, set the
 * channel's subscription group and record `line_follow` / `line_unfollow`; a `message` records
 * `inbound_message` (channel, type, text, message id), makes this the user's last interacted
 * channel, and fires the inbound triggers. Events in `standby` mode are recorded, never answered.
 * Other event types (and events from groups and rooms) are ignored. No provider call is made.
 */
export async function receiveLineEvents(engine: Engine, channel: ChannelOf<'line'>, events: webhook.Event[]): Promise<LineWebhookReport> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const group = channel.subscription_group ?? null;
  const report: LineWebhookReport = { recorded: 0, redelivered: 0, ignored: 0 };
  const handled = events.filter((e): e is webhook.Event & { source: webhook.UserSource } =>
    (e.type === 'follow' || e.type === 'unfollow' || e.type === 'message') && e.source?.type === 'user' && typeof e.source.userId === 'string');
  report.ignored = events.length - handled.length;
  if (handled.length === 0) return report;

  const scheduled = await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const fresh = new Set(await tx.campaigns.markWebhookEvents(channel.id, handled.map((e) => e.webhookEventId), now));
    const todo = handled.filter((e) => fresh.has(e.webhookEventId));
    report.redelivered = handled.length - todo.length;
    report.recorded = todo.length;
    if (todo.length === 0) return false;
    const { users } = await findOrCreateLineUsers(engine, tx, todo.map((e) => e.source.userId!), now);

    const records: EventRecord[] = [];
    const subscriptions: SubscriptionChange[] = [];
    const touched = new Map<string, UserRecord>();
    const occurrences: UserOccurrence[] = [];
    const record = (user: UserRecord, name: string, time: number, properties: Record<string, Json>): EventRecord => {
      const event = systemEvent({ now, newId: engine.newId }, user.id, name, properties, time);
      records.push(event);
      return event;
    };
    for (const event of todo) {
      const user = users.get(event.source.userId!)!;
      const answerable = event.mode !== 'standby';
      if (event.type === 'follow' || event.type === 'unfollow') {
        const state = event.type === 'follow' ? 'subscribed' : 'unsubscribed';
        if (group !== null && user.subscriptions[group]?.state !== state) {
          const previous = user.subscriptions[group]?.state ?? null;
          subscriptions.push({ user_id: user.id, group_id: group, state, changed_at: now });
          user.subscriptions[group] = { state, changed_at: now };
          const changed = record(user, 'subscription_changed', now, { subscription_group_id: group, state, previous_state: previous });
          if (answerable) occurrences.push({ userId: user.id, occurrence: { kind: 'event', event: changed } });
        }
        const followed = record(user, event.type === 'follow' ? 'line_follow' : 'line_unfollow', event.timestamp, { channel: channel.id });
        if (answerable) occurrences.push({ userId: user.id, occurrence: { kind: 'event', event: followed } });
        continue;
      }
      const { message, replyToken } = event as webhook.MessageEvent;
      const inbound = record(user, 'inbound_message', event.timestamp, {
        channel: channel.id,
        channel_type: 'line',
        ...(group !== null ? { subscription_group: group } : {}),
        message_type: message.type,
        message_id: message.id,
        ...(message.type === 'text' ? { text: (message as webhook.TextMessageContent).text } : {}),
        // Answers sent within REPLY_WINDOW_MS use it (free) instead of a push.
        ...(answerable && typeof replyToken === 'string' ? { reply_token: replyToken } : {}),
      });
      user.last_interacted_channel = channel.id;
      user.updated_at = now;
      touched.set(user.id, user);
      if (answerable) occurrences.push({ userId: user.id, occurrence: { kind: 'event', event: inbound }, inbound: LINE_INBOUND });
    }
    if (subscriptions.length > 0) await tx.upsertSubscriptions(subscriptions);
    if (touched.size > 0) await tx.updateUsers([...touched.values()]);
    await tx.insertEvents(records);
    const decisions = await evaluateOccurrences(engine, tx, defs, settings, occurrences, new Map([...users.values()].map((u) => [u.id, u])));
    return decisions.entries.length > 0;
  });
  if (scheduled) engine.work.notify();
  return report;
}
