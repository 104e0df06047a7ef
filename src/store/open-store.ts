import type { Store } from './store.ts';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.ts';

/** What both stores take; SQLite's own options are ignored for PostgreSQL. */
export interface OpenStoreOptions extends SqliteStoreOptions {
  /** The deadline of every unit of work, in ms (`TIDINGS_STORE_TIMEOUT_MS`; default 5,000). */
  timeoutMs?: number;
}

/**
 * Opens the store a location names: `postgres://…` / `postgresql://…` is PostgreSQL, anything
 * else is a SQLite file path (or `:memory:`).
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    return new PostgresStore(location, { timeoutMs: options.timeoutMs });
  }
  return new SqliteStore(location, options);
}
