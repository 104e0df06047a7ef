import type { webhook } from '@line/bot-sdk';
import type { InboundContext } from '../core/campaigns/triggers.ts';
import { systemEvent, type EventRecord } from '../core/event.ts';
import type { Json, UserRecord } from '../core/user.ts';
import type { ChannelOf } from '../schemas/channel.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { cachedSettings, type Engine } from './engine.ts';
import { findOrCreateByAddress } from './address-users.ts';
import { SubscriptionChanges } from './subscription-change.ts';

export interface LineWebhookReport {
  recorded: number;
  redelivered: number;
  ignored: number;
}

/**
 * What is wrong with the events of a LINE webhook body, each as `events[i].field`: every event
 * needs `type`, `webhookEventId` and a numeric `timestamp`; the ones Tidings handles (follow,
 * unfollow, message from a user) need the user id, and a message its `message` with `id` and
 * `type` (and `text` for a text). Empty when all are usable.
 */
export function lineEventProblems(events: unknown[]): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const [i, event] of events.entries()) {
    const at = (field: string, message: string): void => {
      problems.push({ field: `events[${i}]${field}`, message });
    };
    if (!isObject(event)) {
      at('', 'must be an object');
      continue;
    }
    if (typeof event.webhookEventId !== 'string' || event.webhookEventId === '')
      at('.webhookEventId', 'must be a non-empty string');
    if (typeof event.type !== 'string') at('.type', 'must be a string');
    if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp))
      at('.timestamp', 'must be a number (milliseconds)');
    if (event.type !== 'follow' && event.type !== 'unfollow' && event.type !== 'message') continue;
    if (event.source !== undefined && !isObject(event.source)) {
      at('.source', 'must be an object');
      continue;
    }
    const source = event.source as Record<string, unknown> | undefined;
    if (source?.type === 'user' && (typeof source.userId !== 'string' || source.userId === ''))
      at('.source.userId', 'must be a non-empty string');
    if (event.type !== 'message') continue;
    if (!isObject(event.message)) {
      at('.message', 'must be an object');
      continue;
    }
    if (typeof event.message.id !== 'string') at('.message.id', 'must be a string');
    if (typeof event.message.type !== 'string') at('.message.type', 'must be a string');
    else if (event.message.type === 'text' && typeof event.message.text !== 'string')
      at('.message.text', 'must be a string');
  }
  return problems;
}

/** LINE never matches a subscription-group keyword (SMS keywords are Twilio's). */
const LINE_INBOUND: InboundContext = { keywordMatched: false };

/**
 * The events of a verified LINE webhook, in one transaction: redeliveries (a `webhookEventId`
 * seen before) are skipped; `follow` and `unfollow` find or create the user by `line_id`, set the
 * channel's subscription group (`subscription_changed` when the state changes) and record
 * `line_follow` / `line_unfollow`; a `message` records
 * `inbound_message` (channel, type, text, message id), makes this the user's last interacted
 * channel, and fires the inbound triggers. Events in `standby` mode are recorded, never answered.
 * Other event types (and events from groups and rooms) are ignored. No provider call is made.
 */
export async function receiveLineEvents(
  engine: Engine,
  channel: ChannelOf<'line'>,
  events: webhook.Event[],
): Promise<LineWebhookReport> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const group = channel.subscription_group ?? null;
  const report: LineWebhookReport = { recorded: 0, redelivered: 0, ignored: 0 };
  const handled = events.filter(
    (e): e is webhook.Event & { source: webhook.UserSource } =>
      (e.type === 'follow' || e.type === 'unfollow' || e.type === 'message') &&
      e.source?.type === 'user' &&
      typeof e.source.userId === 'string',
  );
  report.ignored = events.length - handled.length;
  if (handled.length === 0) return report;

  const scheduled = await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const fresh = new Set(
      await tx.campaigns.markWebhookEvents(
        channel.id,
        handled.map((e) => e.webhookEventId),
        now,
      ),
    );
    // An id twice in one body counts once, as a redelivery would.
    const seen = new Set<string>();
    const todo = handled.filter(
      (e) => fresh.has(e.webhookEventId) && !seen.has(e.webhookEventId) && Boolean(seen.add(e.webhookEventId)),
    );
    report.redelivered = handled.length - todo.length;
    report.recorded = todo.length;
    if (todo.length === 0) return false;
    const { users } = await findOrCreateByAddress(
      engine,
      tx,
      'line_id',
      todo.map((e) => e.source.userId!),
      now,
    );

    const records: EventRecord[] = [];
    const changes = new SubscriptionChanges({ engine, tx, defs, settings, now });
    const touched = new Map<string, UserRecord>();
    const record = (user: UserRecord, name: string, time: number, properties: Record<string, Json>): EventRecord => {
      const event = systemEvent({ now, newId: engine.newId }, user.id, name, properties, time);
      records.push(event);
      return event;
    };
    for (const event of todo) {
      const user = users.get(event.source.userId!)!;
      const answerable = event.mode !== 'standby';
      if (event.type === 'follow' || event.type === 'unfollow') {
        if (group !== null) {
          const state = event.type === 'follow' ? 'subscribed' : 'unsubscribed';
          changes.change(
            { user, groupId: group, state, source: event.type === 'follow' ? 'line_follow' : 'line_unfollow' },
            { fires: answerable },
          );
        }
        const followed = record(user, event.type === 'follow' ? 'line_follow' : 'line_unfollow', event.timestamp, {
          channel: channel.id,
        });
        if (answerable) changes.occurred({ userId: user.id, occurrence: { kind: 'event', event: followed } }, user);
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
      if (answerable)
        changes.occurred(
          { userId: user.id, occurrence: { kind: 'event', event: inbound }, inbound: LINE_INBOUND },
          user,
        );
    }
    if (touched.size > 0) await tx.updateUsers([...touched.values()]);
    await tx.insertEvents(records);
    const { decisions } = await changes.commit();
    return decisions.entries.length > 0;
  });
  if (scheduled) engine.work.notify();
  return report;
}
