import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { callServer, startChildServer, waitFor, type ChildServer } from '../support/child-server.ts';
import { isPostgresReachable, withTempDatabase, inCi } from '../support/postgres.ts';

/**
 * Store faults in a real server process: PostgreSQL connections terminated under load must not
 * end the process; the requests on them get a 503, the next ones succeed, and the worker resumes.
 */

const KEY = 'store-faults-key';
const CAMPAIGN = 'welcome';
const EVENT = 'signed_up';

const pgReachable = await isPostgresReachable();
const call = (url: string, method: string, path: string, body?: unknown) => callServer(url, KEY, method, path, body);

test.skipIf(!inCi && !pgReachable)(
  'PostgreSQL backends terminated under 8 concurrent /users/track: 503s, then 201s, and the worker still sends',
  async () => {
    await withTempDatabase('tidings_faults', async (url, database, admin) => {
      // Only this test's connections are terminated: its own database and application_name.
      const applicationName = `tidings_faults_${randomBytes(4).toString('hex')}`;
      url.searchParams.set('application_name', applicationName);
      const server: ChildServer = await startChildServer(null, {
        TIDINGS_ADMIN_KEY: KEY,
        DATABASE_URL: url.toString(),
      });
      let exited = false;
      void server.exited.then(() => (exited = true));
      try {
        const applied = await call(server.url, 'POST', '/v1/apply', {
          channels: [{ id: 'line-main', type: 'line' }],
          campaigns: [
            {
              id: CAMPAIGN,
              name: 'Welcome',
              status: 'active',
              trigger: { type: 'custom_event', event: EVENT },
              message: { channel: 'line-main', default: { type: 'text', text: 'Welcome {{ user.external_id }}' } },
            },
          ],
        });
        expect(applied.status, JSON.stringify(applied.body)).toBe(200);

        const statuses = new Map<number, number>();
        const failures: unknown[] = [];
        let running = true;
        let n = 0;
        const client = async () => {
          while (running) {
            const i = n++;
            const tracked = await call(server.url, 'POST', '/users/track', {
              attributes: Array.from({ length: 20 }, (_, k) => ({ external_id: `load-${i}-${k}`, plan: 'free' })),
            }).catch((error: unknown) => ({ status: -1, body: String(error) }));
            statuses.set(tracked.status, (statuses.get(tracked.status) ?? 0) + 1);
            if (tracked.status !== 201) failures.push(tracked.body);
          }
        };
        const load = Array.from({ length: 8 }, client);
        const terminate = () =>
          admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
            [database, applicationName],
          );
        // Several rounds: a FATAL message may land in the same chunk as the answer that hands the
        // connection on, which is the race a single round seldom hits.
        for (let round = 0; round < 6; round++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          // On a busy machine the server may not have connected again yet: wait until it has.
          await waitFor(
            async () => ((await terminate()).rowCount ?? 0) > 0,
            5_000,
            async () => `round ${round}: no backend of the server to terminate (exited: ${exited})\n${server.output()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
        running = false;
        await Promise.all(load);

        expect(exited, server.output()).toBe(false);
        // Every answer is a success or a store fault; none is a 500 or a dropped connection.
        expect(
          [...statuses.keys()].filter((s) => s !== 201 && s !== 503),
          JSON.stringify(failures),
        ).toEqual([]);
        for (const body of failures) expect((body as { message: string }).message).toBe('store unavailable');
        expect(statuses.get(201)).toBeGreaterThan(0);

        // The next requests succeed, and a message triggered after the faults is still sent.
        const tracked = await call(server.url, 'POST', '/users/track', {
          attributes: [{ external_id: 'after-fault', line_id: `U${'a'.repeat(32)}` }],
          events: [{ external_id: 'after-fault', name: EVENT, time: new Date().toISOString() }],
        });
        expect(tracked.status, JSON.stringify(tracked.body)).toBe(201);
        const sent = async () => {
          const listed = await call(server.url, 'GET', `/v1/messages?campaign_id=${CAMPAIGN}`);
          return (listed.body.messages as Array<{ state: string }>).filter((m) => m.state === 'sent').length;
        };
        await waitFor(
          async () => (await sent()) === 1,
          5_000,
          async () => `${await sent()} messages sent\n${server.output()}`,
        );
        expect(exited).toBe(false);
        expect(server.output()).not.toMatch(/Unhandled|uncaught/i);
      } finally {
        if (!exited) {
          server.child.kill('SIGTERM');
          await server.exited;
        }
      }
    });
  },
  30_000,
);
