import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

/**
 * A fake LINE Messaging API on loopback, speaking the real wire format
 * (`../shared/reference/channels-wire-facts.md` §1): bearer token, JSON bodies, 1–5 messages,
 * `X-Line-Retry-Key` (a UUID; a repeat within 24 h is a 409 with `x-line-accepted-request-id`
 * and the first `sentMessages`; on reply it is a 400), single-use reply tokens that expire,
 * follower ids paged with `next` and their count in the insight statistics, `X-Line-Request-Id` on every answer, LINE's error bodies.
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

/** `arrivedAt` is `performance.now()` when the request reached the fake's handler. */
export type AcceptedListener = (accepted: {
  path: string;
  body: { to?: string; replyToken?: string; messages: unknown[] };
  arrivedAt: number;
}) => void;

const RETRY_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RETRY_KEY_MEMORY_MS = 24 * 3_600_000;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

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
  /** Users who blocked the account: counted in the statistics' `followers` and `blocks`, not listed. */
  blocks = 0;
  private readonly failures: FailureInjection[] = [];
  private readonly acceptedKeys = new Map<
    string,
    { at: number; requestId: string; sentMessages: Array<{ id: string }> }
  >();
  private readonly replyTokens = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly http = new LoopbackServer((request, response) => this.handle(request, response));
  private nextMessageId = 100_000_000_000_000;
  private readonly now: () => number;

  /** Accepted pushes and replies (counted even when requests are not kept). */
  accepted = 0;
  private readonly keepRequests: boolean;
  private readonly onAccepted: AcceptedListener | null;

  /**
   * `keepRequests: false` (benchmarks) keeps no record of each request, only the count;
   * `onAccepted` hears of every accepted push and reply, with when its request arrived.
   */
  constructor(
    options: { token?: string; now?: () => number; keepRequests?: boolean; onAccepted?: AcceptedListener } = {},
  ) {
    this.token = options.token ?? 'fake-line-token';
    this.now = options.now ?? Date.now;
    this.keepRequests = options.keepRequests ?? true;
    this.onAccepted = options.onAccepted ?? null;
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
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const url = new URL(request.url ?? '/', 'http://fake');
    const record: LineRequest = {
      method: request.method ?? '',
      path: url.pathname,
      headers: request.headers,
      body: null,
      status: 0,
    };
    if (this.keepRequests) this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      if (status === 200 && (record.path === '/v2/bot/message/push' || record.path === '/v2/bot/message/reply')) {
        this.accepted += 1;
        this.onAccepted?.({ path: record.path, body: record.body as { messages: unknown[] }, arrivedAt });
      }
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json', 'x-line-request-id': randomUUID(), ...headers });
      response.end(JSON.stringify(body));
    };

    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return send(401, {
        message:
          'Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.',
      });
    }
    if (raw !== '') {
      try {
        record.body = JSON.parse(raw);
      } catch {
        // answered below, after the failures injected on purpose
      }
    }
    const injected = this.failures.shift();
    if (injected) return send(injected.status, injected.body ?? defaultErrorBody(injected.status));
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES) return send(413, { message: 'Request Entity Too Large' });

    if (request.method === 'GET' && url.pathname === '/v2/bot/followers/ids') return this.followerPage(url, send);
    if (request.method === 'GET' && url.pathname === '/v2/bot/insight/followers') {
      if (!/^\d{8}$/.test(url.searchParams.get('date') ?? ''))
        return send(400, {
          message: 'The request body has 1 error(s)',
          details: [{ message: 'must be yyyyMMdd', property: 'date' }],
        });
      return send(200, {
        status: 'ready',
        followers: this.followers.length + this.blocks,
        targetedReaches: this.followers.length,
        blocks: this.blocks,
      });
    }
    if (request.method !== 'POST') return send(404, { message: 'Not found' });
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return send(415, { message: `The content type, ${request.headers['content-type'] ?? ''}, is not supported` });
    }
    if (record.body === null)
      return send(400, { message: 'The request body could not be parsed as JSON (line: 1, column: 1)' });
    const body = record.body as Record<string, unknown>;
    const retryKey = request.headers['x-line-retry-key'];
    if (url.pathname === '/v2/bot/message/push')
      return this.push(body, typeof retryKey === 'string' ? retryKey : null, send);
    if (url.pathname === '/v2/bot/message/reply') {
      if (retryKey !== undefined) return send(400, { message: 'The retry key is not supported for this API' });
      return this.reply(body, send);
    }
    return send(404, { message: 'Not found' });
  }

  private push(
    body: Record<string, unknown>,
    retryKey: string | null,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    if (retryKey !== null && !RETRY_KEY.test(retryKey))
      return send(400, { message: 'The value of the X-Line-Retry-Key header is invalid' });
    if (retryKey !== null) {
      const accepted = this.acceptedKeys.get(retryKey);
      if (accepted && this.now() - accepted.at < RETRY_KEY_MEMORY_MS) {
        return send(
          409,
          { message: 'The retry key is already accepted', sentMessages: accepted.sentMessages },
          { 'x-line-accepted-request-id': accepted.requestId },
        );
      }
    }
    const problems = [
      ...(typeof body.to === 'string' && body.to.length > 0 ? [] : [{ message: 'May not be empty', property: 'to' }]),
      ...messageProblems(body.messages),
    ];
    if (problems.length > 0)
      return send(400, { message: `The request body has ${problems.length} error(s)`, details: problems });
    const sentMessages = (body.messages as unknown[]).map(() => ({ id: String(this.nextMessageId++) }));
    if (retryKey !== null) this.acceptedKeys.set(retryKey, { at: this.now(), requestId: randomUUID(), sentMessages });
    send(200, { sentMessages });
  }

  private reply(body: Record<string, unknown>, send: (status: number, body: unknown) => void): void {
    const token = typeof body.replyToken === 'string' ? this.replyTokens.get(body.replyToken) : undefined;
    if (!token || token.used || this.now() - token.issuedAt > this.replyTokenTtlMs)
      return send(400, { message: 'Invalid reply token' });
    const problems = messageProblems(body.messages);
    if (problems.length > 0)
      return send(400, { message: `The request body has ${problems.length} error(s)`, details: problems });
    token.used = true;
    send(200, { sentMessages: (body.messages as unknown[]).map(() => ({ id: String(this.nextMessageId++) })) });
  }

  private followerPage(url: URL, send: (status: number, body: unknown) => void): void {
    const limit = Number(url.searchParams.get('limit') ?? 300);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return send(400, {
        message: 'The request body has 1 error(s)',
        details: [{ message: 'Must be between 1 and 1000', property: 'limit' }],
      });
    const start = url.searchParams.get('start');
    const from = start === null ? 0 : Number(Buffer.from(start, 'base64url').toString('utf8'));
    if (!Number.isInteger(from) || from < 0 || from > this.followers.length)
      return send(400, { message: 'Invalid start param' });
    const to = Math.min(from + Math.min(limit, this.pageSize), this.followers.length);
    send(200, {
      userIds: this.followers.slice(from, to),
      ...(to < this.followers.length ? { next: Buffer.from(String(to)).toString('base64url') } : {}),
    });
  }
}

/**
 * LINE's checks on `messages` (channels-wire-facts.md §1): 1–5 objects of a known type; text
 * 1–5,000 UTF-16 units; ≤ 13 quick-reply items; images with HTTPS URLs ≤ 2,000 characters;
 * `altText` 1–1,500 on templates and flex; carousels of ≤ 10 columns with ≤ 3 actions each, the
 * same number in every column, and text ≤ 120 (60 with an image or title); flex carousels ≤ 12 bubbles.
 */
function messageProblems(messages: unknown): Array<{ message: string; property: string }> {
  if (!Array.isArray(messages) || messages.length === 0)
    return [{ message: 'Size must be between 1 and 5', property: 'messages' }];
  if (messages.length > 5) return [{ message: 'Size must be between 1 and 5', property: 'messages' }];
  const problems: Array<{ message: string; property: string }> = [];
  const problem = (property: string, message: string) => problems.push({ message, property });
  messages.forEach((raw, i) => {
    const message = (raw ?? {}) as Record<string, any>;
    const at = `messages[${i}]`;
    const type = message.type;
    if (
      !['text', 'sticker', 'image', 'video', 'audio', 'location', 'imagemap', 'template', 'flex'].includes(String(type))
    ) {
      return problem(
        `${at}.type`,
        'Must be one of the following values: [text, image, video, audio, location, sticker, imagemap, template, flex]',
      );
    }
    const items = message.quickReply?.items;
    if (items !== undefined && (!Array.isArray(items) || items.length > 13))
      problem(`${at}.quickReply.items`, 'Size must be between 0 and 13');
    if (type === 'text') {
      const text = message.text;
      if (typeof text !== 'string' || text.length === 0) problem(`${at}.text`, 'May not be empty');
      else if (text.length > 5000) problem(`${at}.text`, 'Length must be between 0 and 5000');
    }
    if (type === 'sticker' && (typeof message.packageId !== 'string' || typeof message.stickerId !== 'string'))
      problem(`${at}.packageId`, 'May not be empty');
    if (type === 'image') {
      for (const field of ['originalContentUrl', 'previewImageUrl']) {
        const url = message[field];
        if (typeof url !== 'string' || !url.startsWith('https://') || url.length > 2000)
          problem(`${at}.${field}`, 'Must be an HTTPS URL of at most 2000 characters');
      }
    }
    if (type === 'template' || type === 'flex') {
      if (typeof message.altText !== 'string' || message.altText.length === 0 || message.altText.length > 1500)
        problem(`${at}.altText`, 'Length must be between 1 and 1500');
    }
    if (type === 'template' && message.template?.type === 'carousel') {
      const columns = message.template.columns;
      if (!Array.isArray(columns) || columns.length === 0 || columns.length > 10)
        return problem(`${at}.template.columns`, 'Size must be between 1 and 10');
      const counts = new Set(columns.map((c: any) => (Array.isArray(c?.actions) ? c.actions.length : -1)));
      if (counts.size > 1) problem(`${at}.template.columns`, 'All columns must have the same number of actions');
      columns.forEach((column: any, j: number) => {
        const actions = column?.actions;
        if (!Array.isArray(actions) || actions.length === 0 || actions.length > 3)
          problem(`${at}.template.columns[${j}].actions`, 'Size must be between 1 and 3');
        const max = column?.thumbnailImageUrl || column?.title ? 60 : 120;
        if (typeof column?.text !== 'string' || column.text.length > max)
          problem(`${at}.template.columns[${j}].text`, `Length must be between 0 and ${max}`);
      });
    }
    if (
      type === 'flex' &&
      message.contents?.type === 'carousel' &&
      (!Array.isArray(message.contents.contents) || message.contents.contents.length > 12)
    ) {
      problem(`${at}.contents.contents`, 'Size must be between 1 and 12');
    }
  });
  return problems;
}

function defaultErrorBody(status: number): Record<string, unknown> {
  switch (status) {
    case 400:
      return { message: 'Failed to send messages' };
    case 401:
      return { message: 'Authentication failed due to the following reason: invalid token.' };
    case 403:
      return { message: 'Access to this API is not available for your account' };
    case 429:
      return { message: 'The API rate limit has been exceeded. Try again later.' };
    default:
      return { message: 'An internal error occurred.' };
  }
}
