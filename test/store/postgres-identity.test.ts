import { describe, expect, test } from 'vitest';
import type { UserKeys } from '../../src/core/identifiers.ts';
import type { UserRecord } from '../../src/core/user.ts';
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
 * Identity under concurrency across processes: two stores (two pools, as two server processes
 * would have) creating the profile of one new email, phone or LINE id at once make one profile.
 */

const reachable = await isPostgresReachable();

if (!reachable && inCi) {
  test('PostgreSQL is required in CI', () => {
    throw new Error(`PostgreSQL is required in CI but is not reachable at ${describePostgresUrl()}`);
  });
} else {
  describe.skipIf(!reachable)('PostgresStore: concurrent creates by one identifier', () => {
    test.each([
      ['email', { emails: ['same@example.com'] }, { email: 'same@example.com' }],
      ['phone', { phones: ['+14155550123'] }, { phone: '+14155550123' }],
      ['line_id', { lineIds: [`U${'e'.repeat(32)}`] }, { line_id: `U${'e'.repeat(32)}` }],
    ] satisfies Array<[string, Partial<UserKeys>, Partial<UserRecord>]>)(
      'the same %s from two pools at once: one profile',
      async (_kind, keys, fields) => {
        const opened = await openTestPostgresStore();
        const other = new PostgresStore(postgresTestUrl(), { schema: opened.schema, poolSize: 10 });
        try {
          const findOrCreate = (store: PostgresStore, i: number) =>
            store.transaction(async (tx) => {
              const [found] = await tx.loadUsers(keysOf(keys));
              if (found) return found.id;
              // Time for every other transaction to look too, were the identifier not locked.
              await new Promise((resolve) => setTimeout(resolve, 20));
              await tx.insertUsers([user(`u-${i}`, { ...fields })]);
              return `u-${i}`;
            });
          const ids = await Promise.all(
            Array.from({ length: 20 }, (_, i) => findOrCreate(i % 2 === 0 ? opened.store : other, i)),
          );
          expect(new Set(ids).size).toBe(1);
          expect(await opened.store.read((r) => r.countUsers())).toBe(1);
        } finally {
          await other.close();
          await opened.cleanup();
        }
      },
    );
  });
}
