import { afterEach, expect, test } from 'vitest';
import { createApiKey } from '../../src/engine/api-keys.ts';
import type { ManualClock } from '../../src/engine/clock.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * `Idempotency-Key` on the Braze-compatible write endpoints: a repeat within 24 h with the same
 * key and body gets the first answer and writes nothing; another body under the key is a 422.
 */

describeEachStore('Idempotency-Key', (kind) => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  const visit = (n = 1) => ({ attributes: [{ external_id: 'u1', visits: { inc: n } }] });
  const track = (body: unknown, key: string | null, apiKey?: string) =>
    server.call('POST', '/users/track', body, {
      ...(apiKey === undefined ? {} : { key: apiKey }),
      headers: key === null ? {} : { 'idempotency-key': key },
    });
  const visits = async () => {
    const [user] = await server.engine.store.read((r) =>
      r.loadUsers({ ids: [], externalIds: ['u1'], aliases: [], emails: [], phones: [], lineIds: [] }),
    );
    return user?.custom.visits;
  };

  test('a repeat with the same key and body returns the first answer and writes nothing', async () => {
    server = await startTestServer(kind);
    const first = await track(visit(), 'k-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await track(visit(), 'k-1');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await visits()).toBe(1);
    // Without the header, or under another key, it is a new request.
    expect((await track(visit(), null)).status).toBe(201);
    expect((await track(visit(), 'k-2')).status).toBe(201);
    expect(await visits()).toBe(3);
  });

  test('another body under the same key is a 422 and changes nothing', async () => {
    server = await startTestServer(kind);
    expect((await track(visit(1), 'k-1')).status).toBe(201);
    const other = await track(visit(5), 'k-1');
    expect(other.status).toBe(422);
    expect(other.body).toEqual({
      message: 'This Idempotency-Key was used in the last 24 hours for a request with another method, path or body',
      errors: [{ field: 'Idempotency-Key', message: 'already used for another request' }],
    });
    // The same key on another endpoint is another request too.
    const elsewhere = await server.call(
      'POST',
      '/users/alias/new',
      { user_aliases: [{ alias_label: 'crm', alias_name: 'c-1' }] },
      { headers: { 'idempotency-key': 'k-1' } },
    );
    expect(elsewhere.status).toBe(422);
    expect(await visits()).toBe(1);
  });

  test('keys are per API key', async () => {
    server = await startTestServer(kind);
    const { key: other } = await createApiKey(server.engine, 'other', ['users.track']);
    expect((await track(visit(), 'shared')).status).toBe(201);
    const second = await track(visit(), 'shared', other);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await visits()).toBe(2);
  });

  test('after 24 h the key is forgotten: the request runs again', async () => {
    server = await startTestServer(kind);
    const clock = server.clock as ManualClock;
    expect((await track(visit(), 'k-1')).status).toBe(201);
    clock.advance(24 * 60 * 60 * 1000 - 1);
    expect((await track(visit(), 'k-1')).headers.get('idempotent-replayed')).toBe('true');
    clock.advance(1);
    const later = await track(visit(), 'k-1');
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(await visits()).toBe(2);
  });

  test('the same request twice at once runs once', async () => {
    server = await startTestServer(kind);
    const replies = await Promise.all([track(visit(), 'k-1'), track(visit(), 'k-1'), track(visit(), 'k-1')]);
    // Each is the answer (or its replay), or a 409 while the first still ran.
    for (const reply of replies) expect([201, 409]).toContain(reply.status);
    expect(replies.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(await visits()).toBe(1);
  });

  test('a bad header is a 400 naming it, and nothing is written', async () => {
    server = await startTestServer(kind);
    for (const bad of ['x'.repeat(256), 'with space', '']) {
      const refused = await track(visit(), bad);
      expect(refused.status, bad).toBe(400);
      expect(refused.body.errors).toEqual([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    expect(await visits()).toBeUndefined();
  });

  test('a request refused by validation claims nothing: the same key then serves a valid body', async () => {
    server = await startTestServer(kind);
    expect((await track({ attributes: 'nope' }, 'k-1')).status).toBe(400);
    expect((await track(visit(), 'k-1')).status).toBe(201);
    expect(await visits()).toBe(1);
  });
});
