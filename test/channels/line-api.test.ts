import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  followerPage,
  LineApiError,
  lineRetryKey,
  pushMessage,
  replyMessage,
  type LineApiConfig,
} from '../../src/channels/line/api.ts';
import { buildPayload } from '../../src/channels/registry.ts';
import type { Content } from '../../src/schemas/content.ts';
import { LOOPBACK_ALLOWED } from '../fakes/loopback-server.ts';
import { FakeLine } from '../fakes/line.ts';
import { CONTENT, LINE } from './samples.ts';

const TO = 'U4af4980629a1b2c3d4e5f60718293a4b';
const hello = { to: TO, messages: [{ type: 'text' as const, text: 'Hello' }] };

describe('LINE API client against the fake LINE server', () => {
  const fake = new FakeLine({ token: 'secret-token' });
  let config: LineApiConfig;
  beforeAll(async () => {
    config = {
      baseUrl: await fake.start(),
      accessToken: 'secret-token',
      timeoutMs: 500,
      destinations: LOOPBACK_ALLOWED,
    };
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.delayMs = 0;
  });

  test('a push is sent with the bearer token and the retry key, and answers with the message id', async () => {
    const key = lineRetryKey('msg-1');
    const result = await pushMessage(config, hello, key);
    expect(result).toEqual({ kind: 'sent', providerMessageId: expect.stringMatching(/^\d+$/) });
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(fake.requests[0]!.headers['x-line-retry-key']).toBe(key);
    expect(fake.delivered()).toEqual([{ to: TO, replyToken: null, messages: [{ type: 'text', text: 'Hello' }] }]);
  });

  test('retry keys are UUIDs derived from the message id: the same message always gets the same key', () => {
    expect(lineRetryKey('msg-1')).toBe(lineRetryKey('msg-1'));
    expect(lineRetryKey('msg-1')).not.toBe(lineRetryKey('msg-2'));
    for (const id of ['a', '01JABCDEF', 'x'.repeat(200)])
      expect(lineRetryKey(id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('sending the same message again is a 409 that counts as sent, with the first id, and LINE delivers it once', async () => {
    const key = lineRetryKey('msg-again');
    const first = await pushMessage(config, hello, key);
    const again = await pushMessage(config, hello, key);
    expect(fake.requests.map((r) => r.status)).toEqual([200, 409]);
    expect(again).toEqual(first);
    expect(fake.delivered()).toHaveLength(1);
  });

  test('the monthly-quota 429 is a rejection (no retry can help before the quota resets)', async () => {
    fake.failNext(1, { status: 429, body: { message: 'You have reached your monthly limit.' } });
    expect(await pushMessage(config, hello, lineRetryKey('m-monthly'))).toEqual({
      kind: 'rejected',
      code: 'monthly_limit',
      message: 'You have reached your monthly limit.',
    });
  });

  test('429 and 5xx are transient; other 4xx are rejections that carry LINE’s message and details', async () => {
    fake.failNext(1, { status: 429 });
    expect(await pushMessage(config, hello, lineRetryKey('m-429'))).toEqual({
      kind: 'transient',
      code: 'http_429',
      message: 'The API rate limit has been exceeded. Try again later.',
    });
    fake.failNext(1, { status: 500 });
    expect(await pushMessage(config, hello, lineRetryKey('m-500'))).toMatchObject({
      kind: 'transient',
      code: 'http_500',
    });
    expect(
      await pushMessage(config, { to: TO, messages: [{ type: 'text', text: '' }] }, lineRetryKey('m-400')),
    ).toEqual({
      kind: 'rejected',
      code: 'http_400',
      message: 'The request body has 1 error(s); messages[0].text: May not be empty',
    });
    expect(await pushMessage({ ...config, accessToken: 'wrong' }, hello, lineRetryKey('m-401'))).toMatchObject({
      kind: 'rejected',
      code: 'http_401',
    });
    // After the transient failures the same keys go through.
    expect(await pushMessage(config, hello, lineRetryKey('m-429'))).toMatchObject({ kind: 'sent' });
  });

  test('a provider that does not answer in time, or cannot be reached, is a transient failure', async () => {
    fake.delayMs = 1500;
    expect(await pushMessage(config, hello, lineRetryKey('m-slow'))).toEqual({
      kind: 'transient',
      code: 'timeout',
      message: 'the provider did not answer in time',
    });
    const closed = await closedPort();
    expect(
      await pushMessage({ ...config, baseUrl: `http://127.0.0.1:${closed}` }, hello, lineRetryKey('m-down')),
    ).toEqual({ kind: 'transient', code: 'network', message: 'ECONNREFUSED' });
  });

  test('a reply token works once, and not once it has expired; replies carry no retry key', async () => {
    const token = fake.issueReplyToken();
    expect(await replyMessage(config, { replyToken: token, messages: [{ type: 'text', text: 'Hi' }] })).toMatchObject({
      kind: 'sent',
    });
    expect(await replyMessage(config, { replyToken: token, messages: [{ type: 'text', text: 'Hi' }] })).toEqual({
      kind: 'rejected',
      code: 'http_400',
      message: 'Invalid reply token',
    });
    expect(fake.requests.every((r) => r.headers['x-line-retry-key'] === undefined)).toBe(true);
    fake.replyTokenTtlMs = 0;
    const stale = fake.issueReplyToken();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await replyMessage(config, { replyToken: stale, messages: [{ type: 'text', text: 'Hi' }] })).toMatchObject({
      kind: 'rejected',
      code: 'http_400',
    });
    fake.replyTokenTtlMs = 60_000;
  });

  test('followers come page by page until there is no next', async () => {
    fake.followers = Array.from({ length: 2500 }, (_, i) => `U${String(i).padStart(32, '0')}`);
    const pages: number[] = [];
    const all: string[] = [];
    for (let start: string | null = null; ; ) {
      const page = await followerPage(config, start);
      pages.push(page.userIds.length);
      all.push(...page.userIds);
      if (page.next === null) break;
      start = page.next;
    }
    expect(pages).toEqual([1000, 1000, 500]);
    expect(all).toEqual(fake.followers);
    await expect(followerPage(config, 'bm90LWEtbnVtYmVy')).rejects.toThrow(LineApiError);
  });

  test("every LINE content type Tidings builds is accepted by the fake, which checks LINE's limits", async () => {
    for (const type of ['text', 'sticker', 'image', 'carousel', 'flex', 'messages'] as const) {
      const built = buildPayload(
        { ...CONTENT[type], ...(type === 'text' ? { quick_replies: [{ label: 'Yes', text: 'yes' }] } : {}) } as Content,
        TO,
        LINE,
      );
      expect(built.ok, type).toBe(true);
      expect(
        await pushMessage(config, (built as unknown as { payload: never }).payload, lineRetryKey(`m-${type}`)),
        type,
      ).toMatchObject({ kind: 'sent' });
    }
  });

  test('the fake refuses what LINE refuses, with details naming the property; a body over 2 MB is 413', async () => {
    const column = (actions: number) => ({
      text: 'x',
      actions: Array.from({ length: actions }, () => ({ type: 'message', label: 'a', text: 'a' })),
    });
    const cases: Array<[unknown, string]> = [
      [
        {
          type: 'text',
          text: 'x',
          quickReply: {
            items: Array.from({ length: 14 }, () => ({
              type: 'action',
              action: { type: 'message', label: 'a', text: 'a' },
            })),
          },
        },
        'messages[0].quickReply.items',
      ],
      [
        { type: 'image', originalContentUrl: 'http://cdn.example/a.jpg', previewImageUrl: 'https://cdn.example/b.jpg' },
        'messages[0].originalContentUrl',
      ],
      [{ type: 'flex', altText: 'a'.repeat(1501), contents: { type: 'bubble' } }, 'messages[0].altText'],
      [
        {
          type: 'template',
          altText: 'a',
          template: { type: 'carousel', columns: Array.from({ length: 11 }, () => column(1)) },
        },
        'messages[0].template.columns',
      ],
      [
        { type: 'template', altText: 'a', template: { type: 'carousel', columns: [column(1), column(2)] } },
        'messages[0].template.columns',
      ],
      [
        { type: 'template', altText: 'a', template: { type: 'carousel', columns: [column(4)] } },
        'messages[0].template.columns[0].actions',
      ],
    ];
    for (const [message, property] of cases) {
      const result = await pushMessage(
        config,
        { to: TO, messages: [message] } as never,
        lineRetryKey(`bad-${property}`),
      );
      expect(result, property).toMatchObject({ kind: 'rejected', code: 'http_400' });
      const last = fake.requests.at(-1)!;
      expect(last.status, property).toBe(400);
    }
    const huge = await pushMessage(
      config,
      { to: TO, messages: [{ type: 'text', text: 'x'.repeat(2 * 1024 * 1024) }] },
      lineRetryKey('huge'),
    );
    expect(huge).toMatchObject({ kind: 'rejected', code: 'http_413' });
  });

  test('a request that meets an injected failure is still recorded with its body', async () => {
    fake.failNext(1, { status: 500 });
    await pushMessage(config, hello, lineRetryKey('m-recorded'));
    expect(fake.requests.at(-1)).toMatchObject({ status: 500, body: hello });
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
