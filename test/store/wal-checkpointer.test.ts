import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { WalCheckpointer } from '../../src/store/sqlite/wal-checkpointer.ts';
import { user } from './contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'tidings-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `condition` until it holds or `ms` pass (the thread works on its own schedule). */
async function eventually(condition: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

test('the thread copies committed WAL pages into the database file while the writer never checkpoints', async () => {
  const path = join(dir, 'thread.db');
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  db.exec('BEGIN');
  for (let i = 0; i < 512; i++) insert.run('x'.repeat(4096));
  db.exec('COMMIT');
  const before = statSync(path).size;
  expect(statSync(`${path}-wal`).size).toBeGreaterThan(2 * 1024 * 1024);
  const checkpointer = new WalCheckpointer(path, { intervalMs: 20 });
  try {
    expect(await eventually(() => statSync(path).size > before + 2 * 1024 * 1024)).toBe(true);
  } finally {
    await checkpointer.stop();
    db.close();
  }
});

test('a store with background checkpoints writes, closes (stopping its thread) and reopens with its data', async () => {
  const path = join(dir, 'store.db');
  const store = new SqliteStore(path, { backgroundCheckpoints: true });
  await store.migrate();
  await store.transaction((tx) => tx.insertUsers([user('u1', { external_id: 'ext-1' })]));
  await store.close();
  const reopened = new SqliteStore(path);
  try {
    expect(await reopened.read((r) => r.countUsers())).toBe(1);
  } finally {
    await reopened.close();
  }
});
