import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { userKey } from '../../src/store/sqlite/user-key.ts';
import { describeCampaignStoreContract } from './campaign-contract.ts';
import { describeStoreContract, user } from './contract.ts';
import { describeJourneyStoreContract } from './journey-contract.ts';

async function openFileStore(): Promise<{ store: SqliteStore; path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-store-'));
  const path = join(dir, 'nested', 'tidings.db');
  const store = new SqliteStore(path);
  return {
    store,
    path,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeStoreContract('SQLite (:memory:)', async () => {
  const store = new SqliteStore(':memory:');
  return { store, cleanup: () => store.close() };
});

describeStoreContract('SQLite (file, WAL)', openFileStore);

// Simulations keep one transaction open, each unit of work a savepoint: the same contract holds.
const openSingleTransactionStore = async () => {
  const store = new SqliteStore(':memory:', { singleTransaction: true });
  return { store, cleanup: () => store.close() };
};
describeStoreContract('SQLite (:memory:, one transaction)', openSingleTransactionStore);
describeCampaignStoreContract('SQLite (:memory:, one transaction)', openSingleTransactionStore);

describeCampaignStoreContract('SQLite (file, WAL)', openFileStore);
describeJourneyStoreContract('SQLite (:memory:, one transaction)', openSingleTransactionStore);
describeJourneyStoreContract('SQLite (file, WAL)', openFileStore);

describe('SQLite file store', () => {
  test('writes through a WAL and keeps its data across a reopen', async () => {
    const { store, path, cleanup } = await openFileStore();
    try {
      await store.migrate();
      await store.transaction((tx) => tx.insertUsers([user('u-1', { external_id: 'ext-1' })]));
      expect(existsSync(`${path}-wal`)).toBe(true);
      await store.close();

      const reopened = new SqliteStore(path);
      try {
        expect((await reopened.migrate()).applied).toEqual([]);
        expect(await reopened.read((r) => r.countUsers())).toBe(1);
      } finally {
        await reopened.close();
      }
    } finally {
      await cleanup();
    }
  });

  test('migration 2 keys the events of a version-1 database by user, so they are still found, moved and deleted', async () => {
    const { path, cleanup } = await openFileStore();
    try {
      const v1 = new DatabaseSync(path);
      v1.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
      );
      v1.exec(SQLITE_MIGRATIONS[0]!.sql);
      v1.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0)').run(SQLITE_MIGRATIONS[0]!.name);
      v1.exec(
        `INSERT INTO users (id, standard, custom, created_at, updated_at) VALUES ('u-1', '{}', '{}', 0, 0), ('u-2', '{}', '{}', 0, 0)`,
      );
      v1.exec(`INSERT INTO events (id, user_id, name, time, properties, source, received_at) VALUES
        ('e-1', 'u-1', 'first', 1, '{}', 'api', 1), ('e-2', 'u-1', 'second', 2, '{}', 'api', 2), ('e-3', 'u-2', 'other', 3, '{}', 'api', 3)`);
      v1.close();

      const store = new SqliteStore(path);
      try {
        expect((await store.migrate()).applied[0]).toBe('2 events indexed by an integer user key');
        expect((await store.read((r) => r.listEvents('u-1'))).map((e) => e.id)).toEqual(['e-2', 'e-1']);
        await store.transaction((tx) => tx.moveUserData('u-2', 'u-1'));
        expect((await store.read((r) => r.listEvents('u-1'))).map((e) => e.id)).toEqual(['e-3', 'e-2', 'e-1']);
        await store.transaction((tx) => tx.deleteUser('u-1'));
        expect(await store.read((r) => r.listEvents('u-1'))).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await cleanup();
    }
  });
});

describe('userKey', () => {
  test('is a safe integer, the same for the same id and different for nearby ids', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `01JABCDEFGHJKMNPQRS${String(i).padStart(7, '0')}`);
    const keys = ids.map(userKey);
    expect(keys.every((k) => Number.isSafeInteger(k) && k >= 0)).toBe(true);
    expect(new Set(keys).size).toBe(ids.length);
    expect(userKey(ids[0]!)).toBe(keys[0]);
  });
});
