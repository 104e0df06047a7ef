import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { startChildServer } from '../support/child-server.ts';
import {
  KEY,
  killMidDispatch,
  LEASE_ENV,
  postgresProbe,
  postgresTests,
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

  postgresTests('dispatch', [
    [
      'PostgreSQL: two processes on one database send each message exactly once',
      () => withTempDatabase(twoProcessesShareTheWork),
    ],
    [
      'PostgreSQL: kill -9 mid-dispatch, restart: every user gets exactly one message',
      () =>
        withTempDatabase((url) =>
          killMidDispatch(
            () => startChildServer(null, { TIDINGS_ADMIN_KEY: KEY, DATABASE_URL: url, ...LEASE_ENV }),
            () => postgresProbe(url),
          ),
        ),
    ],
  ]);
});
