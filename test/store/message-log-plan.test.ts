import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { describeEachStore } from '../support/stores.ts';
import { openTestPostgresStore, postgresTestUrl } from '../support/postgres.ts';

/**
 * The message log's pages (GET /v1/messages: newest first, keyset on (created_at, id)) are range
 * reads of an index on both stores, whatever the filter: no full scan, no sort of the whole table.
 * The statements have the shape `CampaignSql.listMessages` builds.
 */
const PAGES = [
  { filter: '', index: 'messages_created' },
  { filter: 'WHERE user_id = $1 AND', index: 'messages_user' },
  { filter: 'WHERE campaign_id = $1 AND', index: 'messages_campaign' },
  { filter: 'WHERE campaign_id = $1 AND state = $2 AND', index: 'messages_campaign' },
].map(({ filter, index }) => {
  const params = (filter.match(/\$\d/g) ?? []).length;
  const where = filter === '' ? 'WHERE' : filter;
  return {
    index,
    sql: `SELECT * FROM messages ${where} (created_at, id) < ($${params + 1}, $${params + 2}) ORDER BY created_at DESC, id DESC LIMIT $${params + 3}`,
    values: [...['x', 'sent'].slice(0, params), 1000, 'm', 100],
  };
});

describeEachStore('message log paging is index-backed', (kind) => {
  test('every filter reads a range of its index, in order', async () => {
    if (kind === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'tidings-plan-'));
      try {
        const path = join(dir, 'tidings.db');
        const store = new SqliteStore(path);
        await store.migrate();
        await store.close();
        const db = new DatabaseSync(path);
        for (const page of PAGES) {
          const sql = page.sql.replace(/\$(\d)/g, '?$1');
          const plan = db
            .prepare(`EXPLAIN QUERY PLAN ${sql}`)
            .all(...(page.values as Array<string | number>))
            .map((row) => String(row.detail))
            .join('\n');
          expect(plan, sql).toMatch(new RegExp(`SEARCH messages USING (COVERING )?INDEX ${page.index} \\(`));
          expect(plan, sql).not.toContain('TEMP B-TREE');
        }
        db.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return;
    }
    const { schema, cleanup } = await openTestPostgresStore();
    const client = new pg.Client({ connectionString: postgresTestUrl() });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
      // An empty table is cheapest to scan: forbid that, so the plan shows which index serves the page.
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_bitmapscan = off');
      for (const page of PAGES) {
        const { rows } = await client.query(`EXPLAIN ${page.sql}`, page.values);
        const plan = rows.map((row) => String(row['QUERY PLAN'])).join('\n');
        expect(plan, page.sql).toMatch(new RegExp(`Index (Only )?Scan Backward using ${page.index} `));
        expect(plan, page.sql).not.toContain('Sort');
      }
    } finally {
      await client.end();
      await cleanup();
    }
  });
});
