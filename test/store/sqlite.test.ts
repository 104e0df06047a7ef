import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { describeStoreContract, user } from './contract.ts';

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
});
