import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { TidingsError } from '../../src/core/errors.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import {
  describePostgresUrl,
  isPostgresReachable,
  openTestPostgresStore,
  postgresTestUrl,
  inCi,
} from '../support/postgres.ts';
import { keysOf, user } from './contract.ts';

/**
 * PostgreSQL faults at the store boundary: connections terminated in the middle of a unit of
 * work. Each test's store has its own `application_name`, and only those backends are terminated.
 */

const reachable = await isPostgresReachable();

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: postgresTestUrl() });
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

const terminate = (admin: pg.Client, applicationName: string) =>
  admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);

if (!reachable && inCi) {
  test('PostgreSQL is required in CI', () => {
    throw new Error(`PostgreSQL is required in CI but is not reachable at ${describePostgresUrl()}`);
  });
} else {
  describe.skipIf(!reachable)('PostgresStore faults', () => {
    test('its connections carry the application_name it is given', async () => {
      const applicationName = `tidings_test_${randomBytes(4).toString('hex')}`;
      const { store, cleanup } = await openTestPostgresStore({ applicationName });
      try {
        const names = await store.read(async () =>
          withAdmin(async (admin) => {
            const { rows } = await admin.query(
              'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
              [applicationName],
            );
            return rows[0].n as number;
          }),
        );
        expect(names).toBeGreaterThan(0);
      } finally {
        await cleanup();
      }
    });

    test('a backend terminated in the middle of a transaction: store_unavailable, nothing written, then the store works', async () => {
      const applicationName = `tidings_test_${randomBytes(4).toString('hex')}`;
      const { store, cleanup } = await openTestPostgresStore({ applicationName });
      try {
        await withAdmin(async (admin) => {
          const failed = await store
            .transaction(async (tx) => {
              await tx.insertUsers([user('u-lost', { external_id: 'lost' })]);
              await terminate(admin, applicationName);
              // Pipelined behind the terminated backend: the statement and COMMIT fail.
              await tx.loadUsers(keysOf({ externalIds: ['lost'] }));
            })
            .catch((error: unknown) => error);
          expect(failed).toBeInstanceOf(TidingsError);
          expect((failed as TidingsError).code).toBe('store_unavailable');
          expect((failed as TidingsError).message).toBe('store unavailable');
        });
        await store.transaction((tx) => tx.insertUsers([user('u-next', { external_id: 'next' })]));
        const found = await store.read((r) => r.loadUsers(keysOf({ externalIds: ['lost', 'next'] })));
        expect(found.map((u) => u.external_id)).toEqual(['next']);
      } finally {
        await cleanup();
      }
    });

    test('a transaction past its deadline: store_unavailable at the deadline, and it commits nothing', async () => {
      const opened = await openTestPostgresStore();
      const store = new PostgresStore(postgresTestUrl(), { schema: opened.schema, timeoutMs: 200 });
      try {
        const started = performance.now();
        const failed = await store
          .transaction(async (tx) => {
            await tx.insertUsers([user('u-slow', { external_id: 'slow' })]);
            await new Promise((resolve) => setTimeout(resolve, 400));
            await tx.insertUsers([user('u-slow-2', { external_id: 'slow-2' })]);
          })
          .catch((error: unknown) => error);
        expect(performance.now() - started).toBeLessThan(380);
        expect((failed as TidingsError).code).toBe('store_unavailable');
        expect((failed as TidingsError).errors).toEqual([{ message: 'the store did not answer within 200 ms' }]);
        // Let the abandoned work run on: its statements and COMMIT have no connection to go to.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await expect(store.read((r) => r.countUsers())).resolves.toBe(0);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    test('a server that accepts and never answers: every call fails within the deadline', async () => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      const store = new PostgresStore(`postgres://postgres@127.0.0.1:${port}/silent`, { timeoutMs: 150 });
      try {
        for (const call of [
          () => store.transaction((tx) => tx.countUsers()),
          () => store.read((r) => r.countUsers()),
          () => store.ping(),
          () => store.probeWrite(1000),
        ]) {
          const started = performance.now();
          const failed = await call().catch((error: unknown) => error);
          expect(performance.now() - started).toBeLessThan(400);
          expect((failed as TidingsError).code).toBe('store_unavailable');
        }
      } finally {
        await store.close();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    test('backends terminated under concurrent reads and writes: every failure is store_unavailable', async () => {
      const applicationName = `tidings_test_${randomBytes(4).toString('hex')}`;
      const { store, cleanup } = await openTestPostgresStore({ applicationName, poolSize: 8 });
      try {
        const outcomes = await withAdmin(async (admin) => {
          const units = Array.from({ length: 40 }, (_, i) =>
            i % 2 === 0
              ? store.transaction((tx) => tx.insertUsers([user(`u-${i}`, { external_id: `e-${i}` })]))
              : store.read((r) => r.countUsers()),
          );
          // Settled as they end: a unit failing while the backends are terminated is not left unhandled.
          const settled = Promise.allSettled(units);
          await new Promise((resolve) => setTimeout(resolve, 5));
          await terminate(admin, applicationName);
          return settled;
        });
        const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        for (const reason of reasons) expect((reason as TidingsError).code, String(reason)).toBe('store_unavailable');
        await expect(store.read((r) => r.countUsers())).resolves.toBeGreaterThanOrEqual(0);
      } finally {
        await cleanup();
      }
    });
  });
}
