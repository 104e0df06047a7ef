import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { startChildServer } from '../support/child-server.ts';
import {
  BROADCAST_ENV,
  KEY,
  killMidBroadcast,
  postgresProbe,
  postgresTests,
  sqliteProbe,
  twoProcessesShareABroadcast,
  withTempDatabase,
} from './dispatch-scenarios.ts';

describe('broadcasts across processes', () => {
  test('SQLite: kill -9 mid-broadcast, restart: every user of the audience triggered exactly once', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tidings-broadcast-')), 'tidings.db');
    await killMidBroadcast(
      () => startChildServer(db, { TIDINGS_ADMIN_KEY: KEY, ...BROADCAST_ENV }),
      async () => sqliteProbe(db),
    );
  }, 40_000);

  postgresTests('broadcast', [
    [
      'PostgreSQL: two processes decide one broadcast, every user of the audience once',
      () => withTempDatabase(twoProcessesShareABroadcast),
    ],
    [
      'PostgreSQL: kill -9 mid-broadcast, restart: every user of the audience triggered exactly once',
      () =>
        withTempDatabase((url) =>
          killMidBroadcast(
            () => startChildServer(null, { TIDINGS_ADMIN_KEY: KEY, DATABASE_URL: url, ...BROADCAST_ENV }),
            () => postgresProbe(url),
          ),
        ),
    ],
  ]);
});
