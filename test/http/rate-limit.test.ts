import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { NO_RATE_LIMITS, parseRateLimits, type RateLimits } from '../../src/core/rate-limit.ts';
import { createApiKey, ensureAdminKey } from '../../src/engine/api-keys.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { buildApp } from '../../src/http/app.ts';
import { ADMIN_KEY, startTestServer } from '../support/server.ts';
import { describeEachStore, openTestStore, type StoreKind } from '../support/stores.ts';

const HOUR = 3_600_000;
const TEST_LIMITS = parseRateLimits('users_track=3/3s,users_identity=2/1m,subscription_status_set=off,default=20/1h');

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

interface LimitedServer {
  engine: Engine;
  clock: ManualClock;
  call(method: string, path: string, body?: unknown, key?: string | null): Promise<Reply>;
  close(): Promise<void>;
}

/** The real server on loopback with the given limits; test/support/server.ts builds it with the defaults only. */
async function startLimitedServer(kind: StoreKind, rateLimits: RateLimits): Promise<LimitedServer> {
  const { store, cleanup } = await openTestStore(kind);
  const clock = new ManualClock('2026-03-06T08:00:00Z');
  const engine = createEngine(store, clock);
  await ensureAdminKey(engine, ADMIN_KEY);
  const app: FastifyInstance = await buildApp({ engine, rateLimits });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    engine,
    clock,
    async call(method, path, body, key = ADMIN_KEY) {
      const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text.startsWith('{') ? JSON.parse(text) : text,
        headers: response.headers,
      };
    },
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

const rateHeaders = (reply: Reply) => ({
  limit: reply.headers.get('x-ratelimit-limit'),
  remaining: reply.headers.get('x-ratelimit-remaining'),
  reset: reply.headers.get('x-ratelimit-reset'),
});

const track = (externalId: string) => ({ attributes: [{ external_id: externalId }] });

describeEachStore('rate limits', (kind) => {
  let server: LimitedServer;
  let windowStart: number;
  beforeAll(async () => {
    server = await startLimitedServer(kind, TEST_LIMITS);
  });
  afterAll(async () => {
    await server.close();
  });
  // Every window here is at most an hour and aligned to the epoch: half a second past the next
  // hour, every count starts afresh.
  beforeEach(() => {
    windowStart = (Math.floor(server.clock.now() / HOUR) + 1) * HOUR;
    server.clock.set(windowStart + 500);
  });

  const newKey = async (permissions: Parameters<typeof createApiKey>[2]) =>
    (await createApiKey(server.engine, 'limited', permissions)).key;
  const users = () => server.engine.store.read((r) => r.countUsers());

  test('every limited response carries X-RateLimit-*, errors included; Reset is the window end in epoch seconds', async () => {
    const key = await newKey(['users.track']);
    const ok = await server.call('POST', '/users/track', track('h1'), key);
    expect(ok.status).toBe(201);
    expect(rateHeaders(ok)).toEqual({ limit: '3', remaining: '2', reset: String((windowStart + 3000) / 1000) });
    const invalid = await server.call('POST', '/users/track', { attributes: 'nope' }, key);
    expect(invalid.status).toBe(400);
    expect(rateHeaders(invalid)).toEqual({ limit: '3', remaining: '1', reset: String((windowStart + 3000) / 1000) });
    const admin = await server.call('GET', '/v1/settings');
    expect(admin.status).toBe(200);
    expect(rateHeaders(admin)).toEqual({ limit: '20', remaining: '19', reset: String((windowStart + HOUR) / 1000) });
  });

  test('over the limit: 429 Rate Limited with Retry-After, and nothing is written', async () => {
    const key = await newKey(['users.track']);
    for (let i = 0; i < 3; i++)
      expect((await server.call('POST', '/users/track', track(`w${i}`), key)).status).toBe(201);
    const before = await users();
    const refused = await server.call('POST', '/users/track', track('w-refused'), key);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      message: 'Rate Limited',
      errors: [{ field: 'Authorization', message: expect.stringMatching(/'users_track'.*3\/3s.*retry in 3 s/) }],
    });
    expect(rateHeaders(refused)).toEqual({ limit: '3', remaining: '0', reset: String((windowStart + 3000) / 1000) });
    expect(refused.headers.get('retry-after')).toBe('3'); // 2.5 s left, rounded up
    expect(await users()).toBe(before);
    expect((await server.call('GET', '/v1/users?external_id=w-refused')).body.users).toEqual([]);
  });

  test('the count starts again once the clock passes the window end, not before', async () => {
    const key = await newKey(['users.track']);
    for (let i = 0; i < 3; i++) await server.call('POST', '/users/track', track(`r${i}`), key);
    server.clock.set(windowStart + 2999);
    const stillRefused = await server.call('POST', '/users/track', track('r-early'), key);
    expect(stillRefused.status).toBe(429);
    expect(stillRefused.headers.get('retry-after')).toBe('1');
    server.clock.set(windowStart + 3000);
    const again = await server.call('POST', '/users/track', track('r-late'), key);
    expect(again.status).toBe(201);
    expect(rateHeaders(again)).toEqual({ limit: '3', remaining: '2', reset: String((windowStart + 6000) / 1000) });
  });

  test('groups count independently; /users/alias/new, /users/identify and /users/delete share one', async () => {
    const key = await newKey([
      'users.track',
      'users.alias.new',
      'users.identify',
      'users.delete',
      'subscription.status.set',
      'users.export.ids',
    ]);
    for (let i = 0; i < 3; i++) await server.call('POST', '/users/track', track(`g${i}`), key);
    expect((await server.call('POST', '/users/track', track('g-refused'), key)).status).toBe(429);

    const alias = await server.call(
      'POST',
      '/users/alias/new',
      { user_aliases: [{ external_id: 'g0', alias_name: 'a', alias_label: 'l' }] },
      key,
    );
    expect(alias.status).toBe(201);
    expect(rateHeaders(alias)).toMatchObject({ limit: '2', remaining: '1' });
    const identify = await server.call(
      'POST',
      '/users/identify',
      { aliases_to_identify: [{ external_id: 'g1', user_alias: { alias_name: 'b', alias_label: 'l' } }] },
      key,
    );
    expect(identify.status).toBe(201);
    expect(rateHeaders(identify)).toMatchObject({ limit: '2', remaining: '0' });
    const before = await users();
    const deleted = await server.call('POST', '/users/delete', { external_ids: ['g2'] }, key);
    expect(deleted.status).toBe(429);
    expect(await users()).toBe(before);

    const exported = await server.call('POST', '/users/export/ids', { external_ids: ['g0'] }, key);
    expect(exported.status).toBe(201);
    expect(rateHeaders(exported)).toMatchObject({ limit: '20', remaining: '19' });
  });

  test('keys count independently', async () => {
    const [first, second] = [await newKey(['users.track']), await newKey(['users.track'])];
    for (let i = 0; i < 3; i++) await server.call('POST', '/users/track', track(`k${i}`), first);
    expect((await server.call('POST', '/users/track', track('k-first'), first)).status).toBe(429);
    const other = await server.call('POST', '/users/track', track('k-second'), second);
    expect(other.status).toBe(201);
    expect(rateHeaders(other)).toMatchObject({ remaining: '2' });
  });

  test('a disabled group is not limited and carries no X-RateLimit-* headers', async () => {
    const key = await newKey(['subscription.status.set']);
    for (let i = 0; i < 25; i++) {
      const reply = await server.call(
        'POST',
        '/subscription/status/set',
        { subscription_group_id: 'none', subscription_state: 'subscribed', external_id: 'x' },
        key,
      );
      expect(reply.status).not.toBe(429);
      expect(rateHeaders(reply)).toEqual({ limit: null, remaining: null, reset: null });
    }
  });

  test('service routes are not limited; refused keys are not counted', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/']) {
      const reply = await server.call('GET', path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers.get('x-ratelimit-limit'), path).toBeNull();
    }
    const key = await newKey(['users.track']);
    for (let i = 0; i < 5; i++) {
      const forbidden = await server.call('POST', '/users/alias/new', { user_aliases: [] }, key);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('x-ratelimit-limit')).toBeNull();
    }
    expect(
      (await server.call('POST', '/users/track', track('n'), 'tdg_unknown')).headers.get('x-ratelimit-limit'),
    ).toBeNull();
    expect(rateHeaders(await server.call('POST', '/users/track', track('n'), key))).toMatchObject({ remaining: '2' });
  });

  test("without the option, Braze's defaults apply", async () => {
    const defaults = await startTestServer(kind);
    try {
      expect(rateHeaders(await defaults.call('POST', '/users/track', track('d')))).toMatchObject({
        limit: '3000',
        remaining: '2999',
      });
      expect(rateHeaders(await defaults.call('POST', '/users/identify', { aliases_to_identify: [] }))).toMatchObject({
        limit: '20000',
      });
      expect(
        rateHeaders(
          await defaults.call('POST', '/subscription/status/set', {
            subscription_group_id: 'x',
            subscription_state: 'subscribed',
            external_id: 'd',
          }),
        ),
      ).toMatchObject({ limit: '5000' });
      expect(rateHeaders(await defaults.call('GET', '/v1/settings'))).toMatchObject({ limit: '250000' });
    } finally {
      await defaults.close();
    }
  });

  test('with every limit off nothing is limited or announced', async () => {
    const open = await startLimitedServer(kind, NO_RATE_LIMITS);
    try {
      for (let i = 0; i < 30; i++) {
        const reply = await open.call('POST', '/users/track', track(`o${i}`));
        expect(reply.status).toBe(201);
        expect(reply.headers.get('x-ratelimit-limit')).toBeNull();
      }
    } finally {
      await open.close();
    }
  });
});
