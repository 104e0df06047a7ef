import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { startChildServer } from '../support/child-server.ts';
import { describePostgresUrl } from '../support/postgres.ts';
import {
  inCi,
  KEY,
  killMidDispatch,
  LEASE_ENV,
  pgReachable,
  postgresProbe,
  sqliteProbe,
  twoProcessesShareTheWork,
  withTempDatabase,
} from './dispatch-scenarios.ts';

describe('dispatch across processes', () => {
  test('SQLite: kill -9 mid-dispatch, restart: every user gets exactly one message', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tidings-dispatch-')), 'tidings.db');
    await killMidDispatch(
      () => startChildServer(db, { TIDINGS_ADMIN_KEY: KEY, ...LEASE_ENV }),
      async () => sqliteProbe(db),
    );
  }, 40_000);

  if (!pgReachable && inCi) {
    test('PostgreSQL is required in CI', () => {
      throw new Error(
        `PostgreSQL is required in CI but is not reachable at ${describePostgresUrl()} (set TIDINGS_TEST_DATABASE_URL)`,
      );
    });
  } else if (!pgReachable) {
    console.warn(
      `PostgreSQL not reachable at ${describePostgresUrl()}: multi-process PostgreSQL dispatch tests skipped`,
    );
    test.skip('PostgreSQL: two processes on one database (PostgreSQL not reachable)', () => {});
    test.skip('PostgreSQL: kill -9 mid-dispatch (PostgreSQL not reachable)', () => {});
  } else {
    test('PostgreSQL: two processes on one database send each message exactly once', async () => {
      await withTempDatabase(twoProcessesShareTheWork);
    }, 40_000);

    test('PostgreSQL: kill -9 mid-dispatch, restart: every user gets exactly one message', async () => {
      await withTempDatabase((url) =>
        killMidDispatch(
          () => startChildServer(null, { TIDINGS_ADMIN_KEY: KEY, DATABASE_URL: url, ...LEASE_ENV }),
          () => postgresProbe(url),
        ),
      );
    }, 40_000);
  }
});
