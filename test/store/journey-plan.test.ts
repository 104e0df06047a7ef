import { expect, test } from 'vitest';
import { JourneySql } from '../../src/store/sql/journey-sql.ts';
import type { SqlRunner } from '../../src/store/sql/sql-runner.ts';
import { describeEachStore } from '../support/stores.ts';
import { queryPlans } from '../support/query-plans.ts';

interface Statement {
  query: string;
  text: string;
  values: unknown[];
}

/** The statements `JourneySql` sends for the engine's hot queries, as it sends them (nothing is run). */
async function statements(dialect: SqlRunner['dialect']): Promise<Statement[]> {
  const sent: Statement[] = [];
  let query = '';
  const record = async (text: string, values: unknown[] = []) => {
    sent.push({ query, text, values });
    return [];
  };
  const journeys = new JourneySql({ dialect, rows: record, changes: async () => 0 }, { locking: true });
  query = 'claimDueInstances';
  await journeys.claimDueInstances(1000, 100);
  query = 'waitingForUsers';
  await journeys.waitingForUsers(['u-1', 'u-2']);
  query = 'countByStep';
  await journeys.countByStep('onboarding');
  return sent;
}

/**
 * The journey instances' hot reads are index reads on both stores: (a) the due timers are a range
 * of `journey_instances_due` in claim order (no sort), (b) a user's waiting instances are looked up
 * by (user, state) in `journey_instances_user`, so an event costs the user's own instances, not
 * all of them, and the counts per step read `journey_instances_step` alone.
 */
const EXPECTED = {
  sqlite: {
    claimDueInstances: /SEARCH journey_instances USING INDEX journey_instances_due \((wake_at>\? AND )?wake_at<\?\)/,
    waitingForUsers: /SEARCH journey_instances USING INDEX journey_instances_user \(user_id=\? AND state=\?\)/,
    countByStep: /SEARCH journey_instances USING COVERING INDEX journey_instances_step \(journey_id=\?\)/,
  },
  postgres: {
    claimDueInstances: /Index Scan using journey_instances_due /,
    waitingForUsers:
      /Index Scan using journey_instances_user [\s\S]*Index Cond: \(\(user_id = ANY [\s\S]*state = 'waiting'/,
    countByStep: /Index Only Scan using journey_instances_step /,
  },
} as const;

describeEachStore('journey instance queries are index-backed', (kind) => {
  test('due timers, a user’s waiting instances and the step counts each read their index', async () => {
    const sent = await statements(kind);
    expect(sent.map((s) => s.query)).toEqual(['claimDueInstances', 'waitingForUsers', 'countByStep']);
    const plans = await queryPlans(kind, sent);
    for (const [i, { query }] of sent.entries()) {
      const plan = plans[i]!;
      if (kind === 'sqlite') {
        expect(plan, query).toMatch(EXPECTED.sqlite[query as keyof typeof EXPECTED.sqlite]);
        expect(plan, query).not.toMatch(/SCAN journey_instances/);
        if (query === 'claimDueInstances') expect(plan, query).not.toContain('TEMP B-TREE');
      } else {
        expect(plan, query).toMatch(EXPECTED.postgres[query as keyof typeof EXPECTED.postgres]);
        expect(plan, query).not.toContain('Seq Scan');
        if (query === 'claimDueInstances') expect(plan, query).not.toContain('Sort');
      }
    }
  });
});
