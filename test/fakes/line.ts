import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

/**
 * A fake LINE Messaging API on loopback, speaking the real wire format
 * (`../shared/reference/channels-wire-facts.md` §1): bearer token, JSON bodies, 1–5 messages,
 * `X-Line-Retry-Key` (a UUID; a repeat within 24 h is a 409 with `x-line-accepted-request-id`
 * and the first `sentMessages`; on reply it is a 400), single-use reply tokens that expire,
 * follower ids paged with `next`, `X-Line-Request-Id` on every answer, LINE's error bodies.
 * Tests can make the next requests fail (`failNext`) or answer late (`delayMs`), and read what
 * it received (`requests`).
 */

export interface LineRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
}

export interface FailureInjection {
  status: number;
  body?: Record<string, unknown>;
}

const RETRY_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RETRY_KEY_MEMORY_MS = 24 * 3_600_000;

export class FakeLine {
  readonly token: string;
  readonly requests: LineRequest[] = [];
  /** Answer every request this much later (timeouts). */
  delayMs = 0;
  /** How long a reply token stays usable. */
  replyTokenTtlMs = 60_000;
  /** Follower ids served by GET /v2/bot/followers/ids, `pageSize` at most per page. */
  followers: string[] = [];
  pageSize = 1000;
  private readonly failures: FailureInjection[] = [];
  private readonly acceptedKeys = new Map<string, { at: number; requestId: string; sentMessages: Array<{ id: string }> }>();
  private readonly replyTokens = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly http = new LoopbackServer((request, response) => this.handle(request, response));
  private nextMessageId = 100_000_000_000_000;
  private readonly now: () => number;

  /** Accepted pushes and replies (counted even when requests are not kept). */
  accepted = 0;
  private readonly keepRequests: boolean;

  /** `keepRequests: false` (benchmarks) keeps no record of each request, only the count. */
  constructor(options: { token?: string; now?: () => number; keepRequests?: boolean } = {}) {
    this.token = options.token ?? 'fake-line-token';
    this.now = options.now ?? Date.now;
    this.keepRequests = options.keepRequests ?? true;
  }

  /** Starts listening on 127.0.0.1; resolves with the base URL to give the channel. */
  start(): Promise<string> {
    return this.http.start();
  }

  get url(): string {
    return this.http.url;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** The next `count` requests get this status (and body, else LINE's usual one for it). */
  failNext(count: number, failure: FailureInjection): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** A reply token, as a webhook event would carry one. */
  issueReplyToken(): string {
    const token = randomUUID().replaceAll('-', '');
    this.replyTokens.set(token, { issuedAt: this.now(), used: false });
    return token;
  }

  /** The messages pushed or replied (accepted ones only), in order. */
  delivered(): Array<{ to: string | null; replyToken: string | null; messages: unknown[] }> {
    return this.requests
      .filter((r) => r.status === 200 && (r.path === '/v2/bot/message/push' || r.path === '/v2/bot/message/reply'))
      .map((r) => {
        const body = r.body as { to?: string; replyToken?: string; messages: unknown[] };
        return { to: body.to ?? null, replyToken: body.replyToken ?? null, messages: body.messages };
      });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const url = new URL(request.url ?? '/', 'http://fake');
    const record: LineRequest = { method: request.method ?? '', path: url.pathname, headers: request.headers, body: null, status: 0 };
    if (this.keepRequests) this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      if (status === 200 && (record.path === '/v2/bot/message/push' || record.path === '/v2/bot/message/reply')) this.accepted += 1;
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json', 'x-line-request-id': randomUUID(), ...headers });
      response.end(JSON.stringify(body));
    };

    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return send(401, { message: 'Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.' });
    }
    const injected = this.failures.shift();
    if (injected) return send(injected.status, injected.body ?? defaultErrorBody(injected.status));

    if (request.method === 'GET' && url.pathname === '/v2/bot/followers/ids') return this.followerPage(url, send);
    if (request.method !== 'POST') return send(404, { message: 'Not found' });
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return send(415, { message: `The content type, ${request.headers['content-type'] ?? ''}, is not supported` });
    }
    try {
      record.body = JSON.parse(raw);
    } catch {
      return send(400, { message: 'The request body could not be parsed as JSON (line: 1, column: 1)' });
    }
    const body = record.body as Record<string, unknown>;
    const retryKey = request.headers['x-line-retry-key'];
    if (url.pathname === '/v2/bot/message/push') return this.push(body, typeof retryKey === 'string' ? retryKey : null, send);
    if (url.pathname === '/v2/bot/message/reply') {
      if (retryKey !== undefined) return send(400, { message: 'The retry key is not supported for this API' });
      return this.reply(body, send);
    }
    return send(404, { message: 'Not found' });
  }

  private push(body: Record<string, unknown>, retryKey: string | null, send: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    if (retryKey !== null && !RETRY_KEY.test(retryKey)) return send(400, { message: 'The value of the X-Line-Retry-Key header is invalid' });
    if (retryKey !== null) {
      const accepted = this.acceptedKeys.get(retryKey);
      if (accepted && this.now() - accepted.at < RETRY_KEY_MEMORY_MS) {
        return send(409, { message: 'The retry key is already accepted', sentMessages: accepted.sentMessages }, { 'x-line-accepted-request-id': accepted.requestId });
      }
    }
    const problems = [...(typeof body.to === 'string' && body.to.length > 0 ? [] : [{ message: 'May not be empty', property: 'to' }]), ...messageProblems(body.messages)];
    if (problems.length > 0) return send(400, { message: `The request body has ${problems.length} error(s)`, details: problems });
    const sentMessages = (body.messages as unknown[]).map(() => ({ id: String(this.nextMessageId++) }));
    if (retryKey !== null) this.acceptedKeys.set(retryKey, { at: this.now(), requestId: randomUUID(), sentMessages });
    send(200, { sentMessages });
  }

  private reply(body: Record<string, unknown>, send: (status: number, body: unknown) => void): void {
    const token = typeof body.replyToken === 'string' ? this.replyTokens.get(body.replyToken) : undefined;
    if (!token || token.used || this.now() - token.issuedAt > this.replyTokenTtlMs) return send(400, { message: 'Invalid reply token' });
    const problems = messageProblems(body.messages);
    if (problems.length > 0) return send(400, { message: `The request body has ${problems.length} error(s)`, details: problems });
    token.used = true;
    send(200, { sentMessages: (body.messages as unknown[]).map(() => ({ id: String(this.nextMessageId++) })) });
  }

  private followerPage(url: URL, send: (status: number, body: unknown) => void): void {
    const limit = Number(url.searchParams.get('limit') ?? 300);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return send(400, { message: 'The request body has 1 error(s)', details: [{ message: 'Must be between 1 and 1000', property: 'limit' }] });
    const start = url.searchParams.get('start');
    const from = start === null ? 0 : Number(Buffer.from(start, 'base64url').toString('utf8'));
    if (!Number.isInteger(from) || from < 0 || from > this.followers.length) return send(400, { message: 'Invalid start param' });
    const to = Math.min(from + Math.min(limit, this.pageSize), this.followers.length);
    send(200, { userIds: this.followers.slice(from, to), ...(to < this.followers.length ? { next: Buffer.from(String(to)).toString('base64url') } : {}) });
  }
}

/** LINE's checks on `messages` that the tests rely on: 1–5 objects, each with a known type and a text when it is `text`. */
function messageProblems(messages: unknown): Array<{ message: string; property: string }> {
  if (!Array.isArray(messages) || messages.length === 0) return [{ message: 'Size must be between 1 and 5', property: 'messages' }];
  if (messages.length > 5) return [{ message: 'Size must be between 1 and 5', property: 'messages' }];
  const problems: Array<{ message: string; property: string }> = [];
  messages.forEach((message, i) => {
    const type = (message as { type?: unknown })?.type;
    if (!['text', 'sticker', 'image', 'video', 'audio', 'location', 'imagemap', 'template', 'flex'].includes(String(type))) {
      problems.push({ message: 'Must be one of the following values: [text, image, video, audio, location, sticker, imagemap, template, flex]', property: `messages[${i}].type` });
    } else if (type === 'text') {
      const text = (message as { text?: unknown }).text;
      if (typeof text !== 'string' || text.length === 0) problems.push({ message: 'May not be empty', property: `messages[${i}].text` });
      else if (text.length > 5000) problems.push({ message: 'Length must be between 0 and 5000', property: `messages[${i}].text` });
    }
  });
  return problems;
}

function defaultErrorBody(status: number): Record<string, unknown> {
  switch (status) {
    case 400: return { message: 'Failed to send messages' };
    case 401: return { message: 'Authentication failed due to the following reason: invalid token.' };
    case 403: return { message: 'Access to this API is not available for your account' };
    case 429: return { message: 'The API rate limit has been exceeded. Try again later.' };
    default: return { message: 'An internal error occurred.' };
  }
}
