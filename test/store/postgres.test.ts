import { describe, expect, test } from 'vitest';
import type { UserRecord } from '../../src/core/user.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { StoreTx } from '../../src/store/store.ts';
import {
  describePostgresUrl,
  isPostgresReachable,
  openTestPostgresStore,
  postgresTestUrl,
  withTempSchema,
  inCi,
} from '../support/postgres.ts';
import { describeCampaignStoreContract } from './campaign-contract.ts';
import { describeStoreContract, keysOf, load, user } from './contract.ts';
import { describeJourneyStoreContract } from './journey-contract.ts';
import { barrier } from '../support/barrier.ts';

const reachable = await isPostgresReachable();

if (!reachable && inCi) {
  test('PostgreSQL is required in CI', () => {
    throw new Error(
      `PostgreSQL is required in CI but is not reachable at ${describePostgresUrl()} (set TIDINGS_TEST_DATABASE_URL)`,
    );
  });
} else if (!reachable) {
  console.warn(`PostgreSQL not reachable at ${describePostgresUrl()}: PostgreSQL store tests skipped`);
  describe.skip('PostgresStore (PostgreSQL not reachable)', () => {
    test('contract', () => {});
  });
} else {
  describeStoreContract('PostgreSQL', () => openTestPostgresStore({ migrate: false }));
  describeCampaignStoreContract('PostgreSQL', () => openTestPostgresStore({ migrate: false }));
  describeJourneyStoreContract('PostgreSQL', () => openTestPostgresStore({ migrate: false }));

  describe('PostgresStore', () => {
    test('loadUsers in a transaction locks the profile: concurrent increments are not lost', async () => {
      const { store, cleanup } = await openTestPostgresStore();
      try {
        await store.transaction((tx) =>
          tx.insertUsers([user('u-1', { external_id: 'ext-1', custom: { counter: 0 } })]),
        );
        const increment = () =>
          store.transaction(async (tx) => {
            const [found] = await tx.loadUsers(keysOf({ externalIds: ['ext-1'] }));
            // Give the other transaction every chance to read the same (stale) value if rows were not locked.
            await new Promise((resolve) => setTimeout(resolve, 50));
            await tx.updateUsers([{ ...found!, custom: { counter: (found!.custom.counter as number) + 1 } }]);
          });
        await Promise.all([increment(), increment()]);
        expect((await load(store, { externalIds: ['ext-1'] }))[0]!.custom).toEqual({ counter: 2 });
      } finally {
        await cleanup();
      }
    });

    test('two requests creating the same new user both succeed: the loser is re-run and finds the winner', async () => {
      const { store, cleanup } = await openTestPostgresStore();
      try {
        const bothLoaded = barrier(2);
        let attempts = 0;
        let inserts = 0;
        const upsert = (tag: string) =>
          store.transaction(async (tx: StoreTx): Promise<UserRecord> => {
            attempts += 1;
            const [existing] = await tx.loadUsers(keysOf({ externalIds: ['ext-new'] }));
            // Neither inserts before both have looked, so the two really race on the unique key.
            await bothLoaded();
            if (existing) {
              await tx.updateUsers([
                { ...existing, custom: { ...existing.custom, [tag]: true }, updated_at: existing.updated_at + 1 },
              ]);
              return existing;
            }
            const created = user(`u-${tag}`, { external_id: 'ext-new', custom: { [tag]: true } });
            await tx.insertUsers([created]);
            inserts += 1;
            return created;
          });

        const [a, b] = await Promise.all([upsert('a'), upsert('b')]);
        expect(attempts).toBe(3);
        expect(inserts).toBe(1);
        expect(a.id).toBe(b.id);
        const found = await load(store, { externalIds: ['ext-new'] });
        expect(found).toHaveLength(1);
        expect(found[0]!.custom).toEqual({ a: true, b: true });
        expect(await store.read((r) => r.countUsers())).toBe(1);
      } finally {
        await cleanup();
      }
    });

    test('a unit of work that keeps failing on a unique key gives up with the database error', async () => {
      const { store, cleanup } = await openTestPostgresStore();
      try {
        await store.transaction((tx) => tx.insertUsers([user('u-1', { external_id: 'ext-1' })]));
        let attempts = 0;
        const failure = store.transaction(async (tx) => {
          attempts += 1;
          await tx.insertUsers([user('u-2', { external_id: 'ext-1' })]);
        });
        await expect(failure).rejects.toMatchObject({ code: '23505' });
        expect(attempts).toBe(5);
      } finally {
        await cleanup();
      }
    });

    test('other errors are not retried', async () => {
      const { store, cleanup } = await openTestPostgresStore();
      try {
        let attempts = 0;
        await expect(
          store.transaction(async (tx) => {
            attempts += 1;
            // A foreign-key violation (23503): the alias names a user that does not exist.
            await tx.insertAliases([{ user_id: 'nobody', alias_label: 'crm', alias_name: 'x' }]);
          }),
        ).rejects.toMatchObject({ code: '23503' });
        expect(attempts).toBe(1);
      } finally {
        await cleanup();
      }
    });

    test('several processes migrating the same schema at once apply each migration once', async () => {
      await withTempSchema(async (schema) => {
        const stores = Array.from({ length: 4 }, () => new PostgresStore(postgresTestUrl(), { schema, poolSize: 2 }));
        try {
          const reports = await Promise.all(stores.map((s) => s.migrate()));
          expect(reports.flatMap((r) => r.applied)).toHaveLength(reports[0]!.current);
          expect(new Set(reports.map((r) => r.current)).size).toBe(1);
          await stores[0]!.transaction((tx) => tx.insertUsers([user('u-1')]));
          expect(await stores[3]!.read((r) => r.countUsers())).toBe(1);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      });
    });

    test('works in its own schema: another schema sees none of its rows', async () => {
      const first = await openTestPostgresStore();
      const second = await openTestPostgresStore();
      try {
        await first.store.transaction((tx) => tx.insertUsers([user('u-1')]));
        expect(await first.store.read((r) => r.countUsers())).toBe(1);
        expect(await second.store.read((r) => r.countUsers())).toBe(0);
      } finally {
        await first.cleanup();
        await second.cleanup();
      }
    });

    test('insertEvents writes a large batch in one call', async () => {
      const { store, cleanup } = await openTestPostgresStore();
      try {
        const events = Array.from({ length: 5000 }, (_, i) => ({
          id: `e-${String(i).padStart(5, '0')}`,
          user_id: `u-${i % 10}`,
          name: 'viewed',
          time: 1_700_000_000_000 + i,
          properties: { i, label: `item ${i} ✓` },
          purchase: i % 7 === 0 ? { product_id: `p-${i}`, currency: 'USD', price: i / 100, quantity: 1 } : null,
          source: 'api' as const,
          received_at: 1_700_000_000_000 + i,
        }));
        await store.transaction((tx) => tx.insertEvents(events));
        const listed = await store.read((r) => r.listEvents('u-3', { limit: 1000 }));
        expect(listed).toHaveLength(500);
        expect(listed[0]).toEqual(events[4993]);
      } finally {
        await cleanup();
      }
    });

    test('rejects a schema name that is not a plain identifier', () => {
      expect(() => new PostgresStore(postgresTestUrl(), { schema: 'x; DROP TABLE users' })).toThrow(/schema/);
    });
  });
}
