import { DateTime } from 'luxon';
import { createHash } from 'node:crypto';
import type { messagingApi } from '@line/bot-sdk';
import type { DestinationPolicy } from '../destination-guard.ts';
import { callProvider, type ProviderAnswer } from '../provider-call.ts';
import { httpFailure, networkFailure, type ProviderResult } from '../provider-result.ts';

/**
 * The LINE Messaging API calls Tidings makes: push, reply, and the follower list. Written over
 * `fetch` rather than `@line/bot-sdk`'s client (whose request types it uses) because that client
 * cannot bound a request's time: a provider that stops answering would hold a send forever, and
 * a timeout must become a retry with the same retry key.
 */
export interface LineApiConfig {
  /** `https://api.line.me`, or a proxy or fake; paths are absolute from its root. */
  baseUrl: string;
  accessToken: string;
  timeoutMs?: number;
  /** Where calls may go; public addresses only when absent. */
  destinations?: DestinationPolicy;
}

/**
 * The `X-Line-Retry-Key` of a message: a UUID derived from its id, so that every attempt to send
 * it carries the same key and LINE delivers it once (a repeat is a 409 that counts as sent).
 */
export function lineRetryKey(messageId: string): string {
  const hex = createHash('sha256').update(`tidings-line-retry:${messageId}`).digest('hex');
  // Version 4 and the RFC 4122 variant bits, so that it is a well-formed UUID.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function pushMessage(
  config: LineApiConfig,
  body: messagingApi.PushMessageRequest,
  retryKey: string,
): Promise<ProviderResult> {
  return send(config, '/v2/bot/message/push', body, { 'x-line-retry-key': retryKey });
}

/** Reply tokens are single-use and short-lived; LINE takes no retry key on this endpoint. */
export function replyMessage(config: LineApiConfig, body: messagingApi.ReplyMessageRequest): Promise<ProviderResult> {
  return send(config, '/v2/bot/message/reply', body, {});
}

export class LineApiError extends Error {
  readonly result: ProviderResult;

  constructor(result: ProviderResult) {
    super(`LINE: ${result.kind === 'sent' ? 'unexpected answer' : `${result.code}: ${result.message}`}`);
    this.result = result;
  }
}

/**
 * About how many followers the list will hold, for a progress display: LINE's statistics of the
 * day before in Japan time (`GET /v2/bot/insight/followers`), friends added minus blocks. Null
 * when the statistics are not ready or cannot be read; the import never depends on it.
 */
export async function followerEstimate(config: LineApiConfig, now: number): Promise<number | null> {
  const url = new URL('/v2/bot/insight/followers', config.baseUrl);
  url.searchParams.set(
    'date',
    DateTime.fromMillis(now, { zone: 'Asia/Tokyo' }).minus({ days: 1 }).toFormat('yyyyLLdd'),
  );
  try {
    const response = await callProvider(
      url,
      { headers: { authorization: `Bearer ${config.accessToken}` } },
      config.timeoutMs,
      config.destinations,
    );
    const answer = parseAnswer(response.text) as { status?: string; followers?: number; blocks?: number } | null;
    if (!response.ok || answer?.status !== 'ready' || typeof answer.followers !== 'number') return null;
    return Math.max(0, answer.followers - (answer.blocks ?? 0));
  } catch {
    return null;
  }
}

/** One page of follower ids (`start`: the previous page's `next`); throws a LineApiError. */
export async function followerPage(
  config: LineApiConfig,
  start: string | null,
  limit = 1000,
): Promise<{ userIds: string[]; next: string | null }> {
  const url = new URL('/v2/bot/followers/ids', config.baseUrl);
  url.searchParams.set('limit', String(limit));
  if (start !== null) url.searchParams.set('start', start);
  let response: ProviderAnswer;
  try {
    response = await callProvider(
      url,
      { headers: { authorization: `Bearer ${config.accessToken}` } },
      config.timeoutMs,
      config.destinations,
    );
  } catch (error) {
    throw new LineApiError(networkFailure(error));
  }
  const answer = parseAnswer(response.text);
  if (!response.ok) throw new LineApiError(httpFailure(response.status, errorText(answer)));
  const page = answer as { userIds?: string[]; next?: string };
  return { userIds: page.userIds ?? [], next: page.next ?? null };
}

async function send(
  config: LineApiConfig,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<ProviderResult> {
  let response: ProviderAnswer;
  try {
    response = await callProvider(
      new URL(path, config.baseUrl),
      {
        method: 'POST',
        headers: { authorization: `Bearer ${config.accessToken}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      },
      config.timeoutMs,
      config.destinations,
    );
  } catch (error) {
    return networkFailure(error);
  }
  const answer = parseAnswer(response.text);
  // 409 on a push: this retry key was accepted before, so the message went out then.
  if (response.ok || (response.status === 409 && 'x-line-retry-key' in headers))
    return { kind: 'sent', providerMessageId: sentIds(answer) };
  const text = errorText(answer);
  // The monthly message quota is also a 429, but retrying cannot help before the quota resets.
  if (response.status === 429 && MONTHLY_LIMIT.test(text))
    return { kind: 'rejected', code: 'monthly_limit', message: text };
  return httpFailure(response.status, text);
}

const MONTHLY_LIMIT = /monthly limit/i;

function parseAnswer(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { message: text.slice(0, 300) };
  }
}

function sentIds(answer: unknown): string | null {
  const sent = (answer as { sentMessages?: Array<{ id?: string }> } | null)?.sentMessages;
  const ids = (sent ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  return ids.length > 0 ? ids.join(',') : null;
}

/** LINE's error body as one line: the message, then each detail's property and message. */
function errorText(answer: unknown): string {
  const body = answer as { message?: string; details?: Array<{ property?: string; message?: string }> } | null;
  const details = (body?.details ?? []).map((d) => `${d.property ?? '?'}: ${d.message ?? ''}`);
  return [body?.message ?? 'no error message', ...details].join('; ');
}
