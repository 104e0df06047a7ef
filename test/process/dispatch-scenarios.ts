import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { expect, test } from 'vitest';
import { callServer, startChildServer, waitFor, type ChildServer } from '../support/child-server.ts';
import {
  describePostgresUrl,
  isPostgresReachable,
  withTempDatabase as withTempPostgresDatabase,
  inCi,
} from '../support/postgres.ts';

/**
 * The campaign worker and dispatcher in real server processes, on the real clock: several
 * processes sharing one PostgreSQL database, and a process killed with SIGKILL while it sends.
 * Whatever happens, every triggered user gets exactly one message: none twice, none lost.
 */

export const KEY = 'dispatch-key';
const CAMPAIGN = 'reminder';
const EVENT = 'checkout_started';
const BATCH = 75; // the most attributes / events /users/track takes per request

const pgReachable = await isPostgresReachable();

const externalId = (i: number) => `u${i}`;
const lineId = (i: number) => `U${i.toString(16).padStart(32, '0')}`;

// ---- HTTP ---------------------------------------------------------------------------------------

const call = (url: string, method: string, path: string, body?: unknown) => callServer(url, KEY, method, path, body);

/** A LINE channel and an active campaign sending `delaySeconds` after each `checkout_started`. */
async function defineCampaign(url: string, delaySeconds: number): Promise<void> {
  const applied = await call(url, 'POST', '/v1/apply', {
    channels: [{ id: 'line-main', type: 'line' }],
    campaigns: [
      {
        id: CAMPAIGN,
        name: 'Checkout reminder',
        status: 'active',
        trigger: { type: 'custom_event', event: EVENT },
        audience: { filters: [{ attribute: 'line_id', op: 'exists' }] },
        delay: { type: 'duration', seconds: delaySeconds },
        message: {
          channel: 'line-main',
          default: { type: 'text', text: 'Hi {{ user.external_id }}, your checkout is waiting' },
        },
      },
    ],
  });
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
}

/** Creates users `from`..`to - 1` with a LINE ID and tracks the trigger event for each, 75 a request. */
async function trackUsers(url: string, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => start + k);
    const time = new Date().toISOString();
    const tracked = await call(url, 'POST', '/users/track', {
      attributes: ids.map((i) => ({ external_id: externalId(i), line_id: lineId(i) })),
      events: ids.map((i) => ({ external_id: externalId(i), name: EVENT, time })),
    });
    expect(tracked.status, JSON.stringify(tracked.body)).toBe(201);
  }
}

async function stop(server: ChildServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  await server.exited;
}

// ---- the database, read directly --------------------------------------------------------------

type Row = Record<string, unknown>;

/** Read access to the database the servers share, from the test process. */
interface Probe {
  rows(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

export function sqliteProbe(path: string): Probe {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 5000');
  return {
    rows: async (sql) => db.prepare(sql).all() as Row[],
    close: async () => db.close(),
  };
}

export async function postgresProbe(url: string): Promise<Probe> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return {
    rows: async (sql) => (await client.query(sql)).rows as Row[],
    close: () => client.end(),
  };
}

async function count(probe: Probe, sql: string): Promise<number> {
  const row = (await probe.rows(sql))[0]!;
  return Number(Object.values(row)[0]);
}

const sandboxCount = (probe: Probe) => count(probe, 'SELECT count(*) AS n FROM sandbox_messages');
const sentCount = (probe: Probe) =>
  count(probe, `SELECT count(*) AS n FROM messages WHERE campaign_id = '${CAMPAIGN}' AND state = 'sent'`);

/**
 * Every user `u0`..`u(n-1)`, checked against the rows: one message (sent), one sandbox delivery
 * to the user's LINE ID, one `sent` on the timeline; and nothing anywhere else. Returns the
 * discrepancies, one line each (empty when all is well).
 */
async function discrepancies(probe: Probe, users: number): Promise<string[]> {
  const byKey = (rows: Row[], key: string) => new Map(rows.map((r) => [String(r[key]), Number(r.n)]));
  const userRows = await probe.rows('SELECT id, external_id, line_id FROM users');
  const messages = byKey(
    await probe.rows(`SELECT user_id, count(*) AS n FROM messages WHERE campaign_id = '${CAMPAIGN}' GROUP BY user_id`),
    'user_id',
  );
  const sentMessages = byKey(
    await probe.rows(
      `SELECT user_id, count(*) AS n FROM messages WHERE campaign_id = '${CAMPAIGN}' AND state = 'sent' GROUP BY user_id`,
    ),
    'user_id',
  );
  const sandbox = byKey(
    await probe.rows('SELECT recipient, count(*) AS n FROM sandbox_messages GROUP BY recipient'),
    'recipient',
  );
  const timeline = byKey(
    await probe.rows(
      `SELECT user_id, count(*) AS n FROM timeline WHERE campaign_id = '${CAMPAIGN}' AND outcome = 'sent' GROUP BY user_id`,
    ),
    'user_id',
  );
  const problems: string[] = [];
  if (userRows.length !== users) problems.push(`${userRows.length} users stored, expected ${users}`);
  for (const user of userRows) {
    const id = String(user.id);
    const got = {
      messages: messages.get(id) ?? 0,
      sent: sentMessages.get(id) ?? 0,
      sandbox: sandbox.get(String(user.line_id)) ?? 0,
      timeline: timeline.get(id) ?? 0,
    };
    if (got.messages !== 1 || got.sent !== 1 || got.sandbox !== 1 || got.timeline !== 1)
      problems.push(`${String(user.external_id)}: ${JSON.stringify(got)}`);
  }
  const sandboxTotal = await sandboxCount(probe);
  if (sandboxTotal !== users) problems.push(`${sandboxTotal} sandbox messages, expected ${users}`);
  const orphans = await count(
    probe,
    'SELECT count(*) AS n FROM sandbox_messages s LEFT JOIN messages m ON m.id = s.message_id WHERE m.id IS NULL',
  );
  if (orphans !== 0) problems.push(`${orphans} sandbox messages without an outgoing message`);
  const timelineMessages = await count(
    probe,
    `SELECT count(DISTINCT message_id) AS n FROM timeline WHERE campaign_id = '${CAMPAIGN}' AND outcome = 'sent'`,
  );
  if (timelineMessages !== users)
    problems.push(`${timelineMessages} distinct messages marked sent on the timeline, expected ${users}`);
  const pending = await count(probe, "SELECT count(*) AS n FROM journey_entries WHERE state = 'pending'");
  if (pending !== 0) problems.push(`${pending} journey entries still pending`);
  return problems;
}

// ---- PostgreSQL: a throw-away database per test -----------------------------------------------

export function withTempDatabase(work: (url: string) => Promise<void>): Promise<void> {
  return withTempPostgresDatabase('tidings_dispatch', (url) => work(url.toString()));
}

// ---- the tests ----------------------------------------------------------------------------------

/** A server and a probe on its database; the server is stopped again if the probe cannot open. */
async function startWithProbe(
  start: () => Promise<ChildServer>,
  openProbe: () => Promise<Probe>,
): Promise<{ server: ChildServer; probe: Probe }> {
  const server = await start();
  const probe = await openProbe().catch(async (error: unknown) => {
    await stop(server);
    throw error;
  });
  return { server, probe };
}

/** Several processes sharing the database: each due send is claimed by exactly one of them. */
export async function twoProcessesShareTheWork(databaseUrl: string): Promise<void> {
  const USERS = 300;
  const servers: ChildServer[] = [];
  const probe = await postgresProbe(databaseUrl);
  try {
    const env = { TIDINGS_ADMIN_KEY: KEY, DATABASE_URL: databaseUrl };
    servers.push(await startChildServer(null, env));
    await defineCampaign(servers[0]!.url, 1);
    // The second process starts after the definitions exist, so it never holds a cached, empty set.
    servers.push(await startChildServer(null, env));
    const [a, b] = servers as [ChildServer, ChildServer];

    await Promise.all([trackUsers(a.url, 0, USERS / 2), trackUsers(b.url, USERS / 2, USERS)]);

    const sentViaApi = async () => {
      const listed = await call(a.url, 'GET', `/v1/messages?campaign_id=${CAMPAIGN}&limit=1000`);
      return (listed.body.messages as Array<{ state: string }>).filter((m) => m.state === 'sent').length;
    };
    await waitFor(
      async () => (await sentViaApi()) >= USERS,
      15_000,
      async () => `${await sentViaApi()} of ${USERS} messages sent\n${a.output()}\n${b.output()}`,
    );

    // Through the API of either process: one message per user, each sent once, one sandbox delivery each.
    for (const server of servers) {
      const messages = (await call(server.url, 'GET', `/v1/messages?campaign_id=${CAMPAIGN}&limit=1000`)).body
        .messages as Array<{
        id: string;
        user_id: string;
        to: string;
        state: string;
        attempts: number;
        provider_message_id: string;
      }>;
      expect(messages).toHaveLength(USERS);
      expect(new Set(messages.map((m) => m.id)).size).toBe(USERS);
      expect(new Set(messages.map((m) => m.user_id)).size).toBe(USERS);
      expect(messages.every((m) => m.state === 'sent' && m.attempts === 1 && m.provider_message_id === null)).toBe(
        true,
      );
      const sandbox = (await call(server.url, 'GET', '/v1/sandbox/messages?limit=1000')).body.messages as Array<{
        message_id: string;
        to: string;
        payload: { messages: [{ text: string }] };
      }>;
      expect(sandbox).toHaveLength(USERS);
      expect(new Set(sandbox.map((m) => m.message_id)).size).toBe(USERS);
      expect(new Set(sandbox.map((m) => m.message_id))).toEqual(new Set(messages.map((m) => m.id)));
      expect(new Set(sandbox.map((m) => m.to))).toEqual(new Set(Array.from({ length: USERS }, (_, i) => lineId(i))));
      const texts = new Map(sandbox.map((m) => [m.to, m.payload.messages[0].text]));
      expect(texts.get(lineId(7))).toBe('Hi u7, your checkout is waiting');
    }
    // A user's own timeline, through the API: triggered, scheduled, sent; once each.
    const [user] = (await call(b.url, 'GET', `/v1/users?external_id=${externalId(USERS - 1)}`)).body.users as Array<{
      id: string;
    }>;
    const timeline = (await call(a.url, 'GET', `/v1/users/${user!.id}/timeline?campaign_id=${CAMPAIGN}`)).body
      .timeline as Array<{ outcome: string }>;
    expect(timeline.map((t) => t.outcome).reverse()).toEqual(['triggered', 'scheduled', 'sent']);
    // And every user, from the rows.
    expect(await discrepancies(probe, USERS)).toEqual([]);
    for (const server of servers) expect(server.output()).not.toMatch(/campaign worker failed/);
  } finally {
    await probe.close();
    await Promise.all(servers.map(stop));
  }
}

/**
 * SIGKILL while the sends go out; a new process on the same database sends the rest, each once.
 * The servers work in batches of 100 (`TIDINGS_WORKER_BATCH`), so that the kill lands between
 * many commits rather than after one that sent everything. The batch the dead process held is
 * taken over when its lease runs out: three provider timeouts, 3 s here (`LEASE_ENV`).
 */
export const LEASE_ENV = { TIDINGS_WORKER_BATCH: '100', TIDINGS_PROVIDER_TIMEOUT_MS: '1000' };

export async function killMidDispatch(
  start: () => Promise<ChildServer>,
  openProbe: () => Promise<Probe>,
): Promise<void> {
  const USERS = 2000;
  // Long enough that the triggers are all tracked (~0.4 s) before most sends are due.
  const DELAY_SECONDS = 2;
  const opened = await startWithProbe(start, openProbe);
  const { probe } = opened;
  let { server } = opened;
  try {
    await defineCampaign(server.url, DELAY_SECONDS);
    const trackStarted = Date.now();
    await Promise.all(
      Array.from({ length: 4 }, (_, w) => trackUsers(server.url, (w * USERS) / 4, ((w + 1) * USERS) / 4)),
    );
    const trackMs = Date.now() - trackStarted;

    // Wait for the dispatch to be under way (a random point in its first three quarters), then kill
    // the process without warning.
    const killAt = 1 + Math.floor(Math.random() * (USERS * 0.75));
    let delivered = 0;
    await waitFor(
      async () => (delivered = await sandboxCount(probe)) >= killAt,
      10_000,
      () => `only ${delivered} of ${USERS} sent\n${server.output()}`,
      2,
    );
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    // What the dead process committed is consistent (one statement, one snapshot): each sandbox
    // row has its message marked sent, and no message is marked sent without its sandbox row.
    const committed = (
      await probe.rows(
        `SELECT (SELECT count(*) FROM sandbox_messages) AS sandbox, (SELECT count(*) FROM messages WHERE campaign_id = '${CAMPAIGN}' AND state = 'sent') AS sent`,
      )
    )[0]!;
    const atKill = Number(committed.sandbox);
    expect(atKill).toBeGreaterThanOrEqual(killAt);
    expect(atKill, 'the process was killed after it had sent everything: nothing left to test').toBeLessThan(USERS);
    expect(Number(committed.sent)).toBe(atKill);

    server = await start();
    await waitFor(
      async () => (await sentCount(probe)) >= USERS,
      15_000,
      async () => `${await sentCount(probe)} of ${USERS} sent\n${server.output()}`,
    );
    expect(await discrepancies(probe, USERS)).toEqual([]);
    const listed = await call(server.url, 'GET', '/v1/sandbox/messages?limit=1000');
    expect(listed.body.messages).toHaveLength(1000);
    console.log(
      `kill mid-dispatch: tracked ${USERS} in ${trackMs} ms, killed at >= ${killAt}: ${atKill} of ${USERS} had been sent`,
    );
  } finally {
    await probe.close();
    await stop(server);
  }
}

/** An API campaign for every user with a LINE ID, sending an hour after its trigger. */
async function defineNews(url: string): Promise<void> {
  const applied = await call(url, 'POST', '/v1/apply', {
    channels: [{ id: 'line-main', type: 'line' }],
    campaigns: [
      {
        id: 'news',
        name: 'News',
        status: 'active',
        trigger: { type: 'api' },
        audience: { filters: [{ attribute: 'line_id', op: 'exists' }] },
        delay: { type: 'duration', seconds: 3600 },
        message: { channel: 'line-main', default: { type: 'text', text: 'News for {{ user.external_id }}' } },
      },
    ],
  });
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
}

/** Every user `u0`..`u(n-1)` triggered by the broadcast exactly once: the counts that say so, each a line when wrong. */
async function broadcastDiscrepancies(probe: Probe, dispatchId: string, users: number): Promise<string[]> {
  const checks: Array<[string, string]> = [
    ['recipients counted', `SELECT recipients AS n FROM broadcasts WHERE dispatch_id = '${dispatchId}'`],
    ['pending sends', "SELECT count(*) AS n FROM journey_entries WHERE campaign_id = 'news'"],
    [
      'users with a pending send',
      "SELECT count(DISTINCT user_id) AS n FROM journey_entries WHERE campaign_id = 'news'",
    ],
    ['triggered rows', "SELECT count(*) AS n FROM timeline WHERE campaign_id = 'news' AND outcome = 'triggered'"],
  ];
  const problems: string[] = [];
  for (const [what, sql] of checks) {
    const n = await count(probe, sql);
    if (n !== users) problems.push(`${n} ${what}, expected ${users}`);
  }
  return problems;
}

/**
 * SIGKILL while a broadcast is decided page by page; a new process on the same database finishes
 * it. Each page commits its decisions with the broadcast's cursor, so every user of the audience
 * is triggered exactly once. The broadcast's campaign waits an hour: nothing is sent meanwhile.
 */
export async function killMidBroadcast(
  start: () => Promise<ChildServer>,
  openProbe: () => Promise<Probe>,
): Promise<void> {
  const USERS = 6000;
  const opened = await startWithProbe(start, openProbe);
  const { probe } = opened;
  let { server } = opened;
  try {
    await defineNews(server.url);
    await Promise.all(
      Array.from({ length: 4 }, (_, w) => trackUsers(server.url, (w * USERS) / 4, ((w + 1) * USERS) / 4)),
    );
    const started = await call(server.url, 'POST', '/campaigns/trigger/send', { campaign_id: 'news', broadcast: true });
    expect(started.status).toBe(201);
    const id = started.body.dispatch_id as string;
    const recipients = async () => count(probe, `SELECT recipients AS n FROM broadcasts WHERE dispatch_id = '${id}'`);
    const entries = () => count(probe, "SELECT count(*) AS n FROM journey_entries WHERE campaign_id = 'news'");

    const killAt = 1 + Math.floor(Math.random() * (USERS * 0.75));
    let decided = 0;
    await waitFor(
      async () => (decided = await recipients()) >= killAt,
      10_000,
      () => `only ${decided} of ${USERS} decided\n${server.output()}`,
      2,
    );
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    // The cursor's count and the decisions were committed together.
    const atKill = await recipients();
    expect(atKill, 'the process was killed after the whole broadcast: nothing left to test').toBeLessThan(USERS);
    expect(await entries()).toBe(atKill);

    server = await start();
    await waitFor(
      async () =>
        (await count(probe, `SELECT count(*) AS n FROM broadcasts WHERE dispatch_id = '${id}' AND state = 'done'`)) ===
        1,
      15_000,
      async () => `${await recipients()} of ${USERS} decided\n${server.output()}`,
    );
    expect(await broadcastDiscrepancies(probe, id, USERS)).toEqual([]);
    console.log(`kill mid-broadcast: killed at >= ${killAt}: ${atKill} of ${USERS} had been decided`);
  } finally {
    await probe.close();
    await stop(server);
  }
}

export const BROADCAST_ENV = { TIDINGS_WORKER_BATCH: '25' };

/** Two processes on one PostgreSQL database decide one broadcast: each page, and so each user, once. */
export async function twoProcessesShareABroadcast(databaseUrl: string): Promise<void> {
  const USERS = 6000;
  const servers: ChildServer[] = [];
  const probe = await postgresProbe(databaseUrl);
  try {
    const env = { TIDINGS_ADMIN_KEY: KEY, DATABASE_URL: databaseUrl, ...BROADCAST_ENV };
    servers.push(await startChildServer(null, env));
    await defineNews(servers[0]!.url);
    servers.push(await startChildServer(null, env));
    await Promise.all(
      Array.from({ length: 4 }, (_, w) => trackUsers(servers[w % 2]!.url, (w * USERS) / 4, ((w + 1) * USERS) / 4)),
    );
    const started = await call(servers[1]!.url, 'POST', '/campaigns/trigger/send', {
      campaign_id: 'news',
      broadcast: true,
    });
    expect(started.status).toBe(201);
    const id = started.body.dispatch_id as string;
    await waitFor(
      async () =>
        (await count(probe, `SELECT count(*) AS n FROM broadcasts WHERE dispatch_id = '${id}' AND state = 'done'`)) ===
        1,
      20_000,
      async () => `not done\n${servers[0]!.output()}\n${servers[1]!.output()}`,
    );
    expect(await broadcastDiscrepancies(probe, id, USERS)).toEqual([]);
    for (const server of servers) expect(server.output()).not.toMatch(/campaign worker failed/);
  } finally {
    await probe.close();
    await Promise.all(servers.map(stop));
  }
}

/**
 * Registers the PostgreSQL tests (`[name, run]`, each with the scenarios' 40 s): run when
 * PostgreSQL answers, a failing test in CI when it does not, else skipped with a notice.
 */
export function postgresTests(what: string, tests: Array<[name: string, run: () => Promise<void>]>): void {
  if (!pgReachable && inCi) {
    test('PostgreSQL is required in CI', () => {
      throw new Error(
        `PostgreSQL is required in CI but is not reachable at ${describePostgresUrl()} (set TIDINGS_TEST_DATABASE_URL)`,
      );
    });
  } else if (!pgReachable) {
    console.warn(
      `PostgreSQL not reachable at ${describePostgresUrl()}: multi-process PostgreSQL ${what} tests skipped`,
    );
    for (const [name] of tests) test.skip(`${name} (PostgreSQL not reachable)`, () => {});
  } else {
    for (const [name, run] of tests) test(name, run, 40_000);
  }
}
