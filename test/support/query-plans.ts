import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { openTestPostgresStore, postgresTestUrl } from './postgres.ts';
import type { StoreKind } from './stores.ts';

/** A statement as a store would send it: `$n` parameters, as on PostgreSQL. */
export interface PlannedStatement {
  text: string;
  values: unknown[];
}

/**
 * The query plan of each statement on a freshly migrated, empty store of `kind`, one text per
 * statement: SQLite's `EXPLAIN QUERY PLAN` details, or PostgreSQL's `EXPLAIN` with sequential and
 * bitmap scans turned off (an empty table is cheapest to scan, which would hide the index choice).
 */
export async function queryPlans(kind: StoreKind, statements: PlannedStatement[]): Promise<string[]> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'tidings-plan-'));
    try {
      const path = join(dir, 'tidings.db');
      const store = new SqliteStore(path);
      await store.migrate();
      await store.close();
      const db = new DatabaseSync(path);
      try {
        return statements.map(({ text, values }) =>
          db
            .prepare(`EXPLAIN QUERY PLAN ${text.replace(/\$(\d)/g, '?$1')}`)
            .all(...(values as Array<string | number>))
            .map((row) => String(row.detail))
            .join('\n'),
        );
      } finally {
        db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const { schema, cleanup } = await openTestPostgresStore();
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    await client.query('SET enable_seqscan = off');
    await client.query('SET enable_bitmapscan = off');
    const plans: string[] = [];
    for (const { text, values } of statements) {
      const { rows } = await client.query(`EXPLAIN ${text}`, values);
      plans.push(rows.map((row) => String(row['QUERY PLAN'])).join('\n'));
    }
    return plans;
  } finally {
    await client.end();
    await cleanup();
  }
}
