import { afterEach, expect, test } from 'vitest';
import { findOrCreateByAddress } from '../../src/engine/address-users.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Concurrent creates of the same identifier make one profile, on both stores: 20 requests at once
 * naming one new email (phone, alias, LINE id) find nothing, and all but one must wait for the
 * one that creates it and then find it.
 */

const CONCURRENT = 20;

describeEachStore('concurrent creates of one identifier', (kind) => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  const profiles = () => server.engine.store.read((r) => r.countUsers());

  async function trackAtOnce(attributes: (i: number) => Record<string, unknown>): Promise<void> {
    const replies = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        server.call('POST', '/users/track', { attributes: [attributes(i)] }),
      ),
    );
    for (const reply of replies) expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  }

  test('the same email: one profile', async () => {
    server = await startTestServer(kind);
    await trackAtOnce((i) => ({ email: 'Same@Example.com', [`visit_${i}`]: true }));
    expect(await profiles()).toBe(1);
    const [user] = await server.engine.store.read((r) =>
      r.loadUsers({ ids: [], externalIds: [], aliases: [], emails: ['same@example.com'], phones: [], lineIds: [] }),
    );
    // Every request's attribute reached the one profile.
    expect(Object.keys(user!.custom).length).toBe(CONCURRENT);
  });

  test('the same phone: one profile', async () => {
    server = await startTestServer(kind);
    await trackAtOnce((i) => ({ phone: '+14155550123', [`visit_${i}`]: true }));
    expect(await profiles()).toBe(1);
  });

  test('the same alias: one profile', async () => {
    server = await startTestServer(kind);
    await trackAtOnce((i) => ({
      user_alias: { alias_label: 'crm', alias_name: 'c-42' },
      _update_existing_only: false,
      [`visit_${i}`]: true,
    }));
    expect(await profiles()).toBe(1);
  });

  test('the same LINE id (an unknown sender, found or created): one profile', async () => {
    server = await startTestServer(kind);
    const lineId = `U${'f'.repeat(32)}`;
    const engine = server.engine;
    await Promise.all(
      Array.from({ length: CONCURRENT }, () =>
        engine.store.transaction((tx) => findOrCreateByAddress(engine, tx, 'line_id', [lineId], engine.clock.now())),
      ),
    );
    expect(await profiles()).toBe(1);
  });
});
