import { expect, test } from 'vitest';
import { queryPlans } from '../support/query-plans.ts';
import { describeEachStore } from '../support/stores.ts';

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
    const plans = await queryPlans(
      kind,
      PAGES.map(({ sql, values }) => ({ text: sql, values })),
    );
    for (const [i, page] of PAGES.entries()) {
      const plan = plans[i]!;
      if (kind === 'sqlite') {
        expect(plan, page.sql).toMatch(new RegExp(`SEARCH messages USING (COVERING )?INDEX ${page.index} \\(`));
        expect(plan, page.sql).not.toContain('TEMP B-TREE');
      } else {
        expect(plan, page.sql).toMatch(new RegExp(`Index (Only )?Scan Backward using ${page.index} `));
        expect(plan, page.sql).not.toContain('Sort');
      }
    }
  });
});
