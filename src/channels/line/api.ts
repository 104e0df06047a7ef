import { createHash } from 'node:crypto';
import type { messagingApi } from '@line/bot-sdk';
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
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The `X-Line-Retry-Key` of a message: a UUID derived from its id, so that every attempt to send
 * it carries the same key and LINE delivers it once (a repeat is a 409 that counts as sent).
 */
export function lineRetryKey(messageId: string): string {
  const hex = createHash('sha256').update(`tidings-line-retry:${messageId}`).digest('hex');
  // Version 4 and the RFC 4122 variant bits, so that it is a well-formed UUID.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function pushMessage(config: LineApiConfig, body: messagingApi.PushMessageRequest, retryKey: string): Promise<ProviderResult> {
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

/** One page of follower ids (`start`: the previous page's `next`); throws a LineApiError. */
export async function followerPage(config: LineApiConfig, start: string | null, limit = 1000): Promise<{ userIds: string[]; next: string | null }> {
  const url = new URL('/v2/bot/followers/ids', config.baseUrl);
  url.searchParams.set('limit', String(limit));
  if (start !== null) url.searchParams.set('start', start);
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${config.accessToken}` }, signal: AbortSignal.timeout(config.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
  } catch (error) {
    throw new LineApiError(networkFailure(error));
  }
  const answer = await readJson(response);
  if (!response.ok) throw new LineApiError(httpFailure(response.status, errorText(answer)));
  const page = answer as { userIds?: string[]; next?: string };
  return { userIds: page.userIds ?? [], next: page.next ?? null };
}

async function send(config: LineApiConfig, path: string, body: unknown, headers: Record<string, string>): Promise<ProviderResult> {
  let response: Response;
  try {
    response = await fetch(new URL(path, config.baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${config.accessToken}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(config.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    return networkFailure(error);
  }
  let answer: unknown;
  try {
    answer = await readJson(response);
  } catch (error) {
    return networkFailure(error);
  }
  // 409 on a push: this retry key was accepted before, so the message went out then.
  if (response.ok || (response.status === 409 && 'x-line-retry-key' in headers)) return { kind: 'sent', providerMessageId: sentIds(answer) };
  return httpFailure(response.status, errorText(answer));
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
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
