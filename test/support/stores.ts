import { describe, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { describePostgresUrl, isPostgresReachable, openTestPostgresStore, inCi } from './postgres.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface OpenedStore {
  store: Store;
  cleanup: () => Promise<void>;
}

export async function openTestStore(kind: StoreKind): Promise<OpenedStore> {
  if (kind === 'postgres') return openTestPostgresStore();
  const store = new SqliteStore(':memory:');
  await store.migrate();
  return { store, cleanup: () => store.close() };
}

const postgresReachable = await isPostgresReachable();
if (!postgresReachable && !inCi)
  console.warn(`PostgreSQL not reachable at ${describePostgresUrl()}: PostgreSQL variants skipped`);

/**
 * Runs a suite once per store. Without PostgreSQL the PostgreSQL run is skipped with a notice,
 * except in CI, where it fails.
 */
export function describeEachStore(name: string, suite: (kind: StoreKind) => void): void {
  describe(`${name} [sqlite]`, () => suite('sqlite'));
  if (postgresReachable) describe(`${name} [postgres]`, () => suite('postgres'));
  else if (inCi)
    test(`${name} [postgres]: PostgreSQL is required in CI`, () => {
      throw new Error(`PostgreSQL not reachable at ${describePostgresUrl()}`);
    });
  else describe.skip(`${name} [postgres] (PostgreSQL not reachable)`, () => test('skipped', () => {}));
}
