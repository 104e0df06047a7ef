import type { Store } from './store.ts';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.ts';

/**
 * Opens the store a location names: `postgres://…` / `postgresql://…` is PostgreSQL, anything
 * else is a SQLite file path (or `:memory:`).
 */
export async function openStore(location: string, sqliteOptions: SqliteStoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    return new PostgresStore(location);
  }
  return new SqliteStore(location, sqliteOptions);
}
