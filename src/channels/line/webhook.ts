import { validateSignature, type webhook } from '@line/bot-sdk';
import { TidingsError } from '../../core/errors.ts';
import { resolveSecret, type ChannelOf } from '../../schemas/channel.ts';
import type { InboundEndpoint, InboundEvent, InboundRequest } from '../channel-module.ts';

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

/** `X-Line-Signature`: HMAC-SHA256 of the raw body with the channel secret. */
function verify(
  channel: ChannelOf<'line'>,
  request: InboundRequest,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const secret = resolveSecret(channel.channel_secret, env);
  if (!secret)
    throw new TidingsError('unauthorized', `Channel '${channel.id}' has no channel_secret to check signatures with`, [
      { field: 'channel_secret', message: 'is required to receive webhooks' },
    ]);
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const signature = request.headers['x-line-signature'];
  if (typeof signature !== 'string' || !validateSignature(raw, secret, signature)) {
    throw new TidingsError('unauthorized', 'X-Line-Signature does not match the body', [
      { field: 'X-Line-Signature', message: typeof signature === 'string' ? 'does not match' : 'is missing' },
    ]);
  }
}

/**
 * A verified body's events: follow, unfollow and message events from users become inbound
 * events (a message's reply token is kept for the answers: sent within the reply window they use
 * it, free, instead of a push; never for a standby event, which another bot answers); other
 * event types, and events from groups and rooms, are ignored.
 */
export function parseLineEvents(body: Buffer | string): { events: InboundEvent[]; ignored: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : '');
  } catch (error) {
    throw new TidingsError('invalid_input', `The request body is not valid JSON: ${(error as Error).message}`, [
      { field: '(body)', message: 'is not JSON' },
    ]);
  }
  const events = (parsed as { events?: unknown })?.events;
  if (!Array.isArray(events))
    throw new TidingsError('invalid_input', "'events' must be an array of LINE webhook events", [
      { field: 'events', message: 'must be an array' },
    ]);
  const problems = lineEventProblems(events);
  if (problems.length > 0)
    throw new TidingsError(
      'invalid_input',
      `Malformed LINE webhook events: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      problems,
    );
  return lineInboundEvents(events as webhook.Event[]);
}

/** LINE's webhook events as inbound events (also what a simulation's LINE step makes). */
export function lineInboundEvents(events: webhook.Event[]): { events: InboundEvent[]; ignored: number } {
  const inbound: InboundEvent[] = [];
  for (const event of events) {
    if (event.type !== 'follow' && event.type !== 'unfollow' && event.type !== 'message') continue;
    if (event.source?.type !== 'user' || typeof event.source.userId !== 'string') continue;
    const common = {
      eventId: event.webhookEventId,
      address: event.source.userId,
      at: event.timestamp,
      answerable: event.mode !== 'standby',
    };
    if (event.type !== 'message') {
      inbound.push({ kind: event.type, ...common });
      continue;
    }
    const { message, replyToken } = event as webhook.MessageEvent;
    const text = message.type === 'text' ? (message as webhook.TextMessageContent).text : undefined;
    inbound.push({
      kind: 'message',
      ...common,
      messageType: message.type,
      ...(text !== undefined ? { text } : {}),
      properties: {
        message_id: message.id,
        ...(text !== undefined ? { text } : {}),
        ...(common.answerable && typeof replyToken === 'string' ? { reply_token: replyToken } : {}),
      },
    });
  }
  return { events: inbound, ignored: events.length - inbound.length };
}

/** `POST /webhooks/line/{id}`: answers with what it recorded. */
export const lineWebhook: InboundEndpoint<'line'> = {
  suffix: '',
  summary: 'LINE Messaging API webhook (signed with the channel secret)',
  verify,
  parse: (body) => parseLineEvents(body),
  answer: ({ recorded, redelivered, ignored }) => ({ status: 200, body: { recorded, redelivered, ignored } }),
};
