import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { expect, test } from 'vitest';
import { startChildServer, type ChildServer } from '../support/child-server.ts';
import { ADMIN_KEY, startTestServer } from '../support/server.ts';
import { isPostgresReachable, postgresTestUrl, inCi } from '../support/postgres.ts';

import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/tidings.mjs', import.meta.url));
const tidings = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });

test('tidings migrate applies the schema once', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'tidings-cli-')), 'sub', 'tidings.db');
  const first = await tidings(['migrate', '--db', db]);
  const all = SQLITE_MIGRATIONS.map((m) => `${m.version} ${m.name}`).join(', ');
  const latest = SQLITE_MIGRATIONS.at(-1)!.version;
  expect(first.stdout).toContain(`Applied: ${all}. Schema at version ${latest}.`);
  expect(existsSync(db)).toBe(true);
  const second = await tidings(['migrate', '--db', db]);
  expect(second.stdout).toContain(`Schema already at version ${latest}.`);
});

test('tidings start on an empty database prints an admin key once, and the key works', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'tidings-cli-')), 'tidings.db');
  const env = { TIDINGS_ADMIN_KEY: '' };
  const first = await startChildServer(db, env);
  const key = /Admin API key[^\n]*\n\n\s+(tdg_\S+)/.exec(
    await outputMatching(first, /Admin API key[^\n]*\n\n\s+tdg_\S+\n/),
  )?.[1];
  expect(key).toMatch(/^tdg_/);
  const settings = await fetch(`${first.url}/v1/settings`, { headers: { authorization: `Bearer ${key}` } });
  expect(settings.status).toBe(200);
  first.child.kill('SIGTERM');
  await first.exited;

  // The key would be printed right after the start-up lines; once the process has ended and its
  // output is closed, everything it printed is here.
  const second = await startChildServer(db, env);
  const closed = new Promise<void>((resolve) => second.child.once('close', () => resolve()));
  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
  await closed;
  expect(second.output()).toContain('Rate limits per API key');
  expect(second.output()).not.toContain('Admin API key');
  expect(second.output()).not.toMatch(/tdg_/);
});

/** The server's output once it matches `pattern`, waiting for its next lines (no timer). */
function outputMatching(server: ChildServer, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(server.output())) return;
      server.child.stdout?.off('data', onData);
      resolve(server.output());
    };
    // child-server's own listener, registered first, has appended the chunk when this one runs.
    const onData = () => check();
    server.child.stdout?.on('data', onData);
    server.child.once('exit', () => reject(new Error(`server exited before printing ${pattern}:\n${server.output()}`)));
    check();
  });
}

test.skipIf(!inCi && !(await isPostgresReachable()))(
  'DATABASE_URL=postgres://… runs the same server on PostgreSQL',
  async () => {
    const name = `tidings_cli_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresTestUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(postgresTestUrl());
    url.pathname = `/${name}`;
    try {
      const server = await startChildServer(null, { TIDINGS_ADMIN_KEY: 'pg-key', DATABASE_URL: url.toString() });
      expect(server.output()).toContain('(PostgreSQL');
      const headers = { authorization: 'Bearer pg-key', 'content-type': 'application/json' };
      const tracked = await fetch(`${server.url}/users/track`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ attributes: [{ external_id: 'pg-user', plan: 'pro' }] }),
      });
      expect(tracked.status).toBe(201);
      const found = (await (await fetch(`${server.url}/v1/users?external_id=pg-user`, { headers })).json()) as {
        users: Array<{ custom_attributes: unknown }>;
      };
      expect(found.users[0]!.custom_attributes).toEqual({ plan: 'pro' });
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready', store: 'postgres' });
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
  30_000,
);

test('tidings simulate prints JSON Lines and exits 1 on an unmet expectation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-sim-'));
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(
    scenario,
    [
      'start: 2026-03-06T08:00:00Z',
      'definitions:',
      '  channels: [{id: hook, type: webhook, url: "https://example.com/hook"}]',
      '  campaigns:',
      '    - {id: hello, name: Hello, status: active, trigger: {type: custom_event, event: signed_up}, message: {channel: hook, default: {type: text, text: "Hello {{ user.external_id }}"}}}',
      'steps:',
      '  - {at: 2026-03-06T08:00:00Z, track: {events: [{external_id: u1, name: signed_up, time: "2026-03-06T08:00:00Z"}]}}',
      'expect:',
      '  - {campaign: hello, user: u1, outcome: sent}',
      '  - {campaign: hello, user: u1, outcome: converted}',
    ].join('\n'),
  );
  const failed = await tidings(['simulate', scenario]).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  expect('code' in failed ? failed.code : 0).toBe(1);
  const lines = failed.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.outcome)).toEqual(['triggered', 'scheduled', 'sent']);
  expect(lines[2]).toMatchObject({
    user: 'u1',
    campaign: 'hello',
    channel: 'hook',
    to: 'u1',
    payload: { method: 'POST', url: 'https://example.com/hook', body: { to: 'u1', text: 'Hello u1' } },
  });
  expect(failed.stderr).toContain('unmet expectation: {"campaign":"hello","user":"u1","outcome":"converted"}');
});

/** A run that is expected to fail: its status and output. */
const failing = (args: string[], env: Record<string, string> = {}) =>
  tidings(args, env).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
const NO_STACK = /^\s+at /m;

test('tidings simulate: a user error is one line on stderr and exit status 1, bad usage 2; --debug adds the stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-sim-errors-'));
  writeFileSync(join(dir, 'syntax.yaml'), 'start: 2026-03-06T08:00:00Z\nsteps:\n  - {at: +1s, track: {a: 1}\n');
  writeFileSync(join(dir, 'invalid.yaml'), 'start: 2026-03-06T08:00:00Z\nsteps: three\n');
  writeFileSync(
    join(dir, 'step.yaml'),
    'start: 2026-03-06T08:00:00Z\nsteps:\n  - {at: "+1s", inbound: {channel: nowhere, from: U1, text: hi}}\n',
  );
  const [missing, syntax, invalid, step, unknownOption, noArgument, debug] = await Promise.all([
    failing(['simulate', join(dir, 'missing.yaml')]),
    failing(['simulate', join(dir, 'syntax.yaml')]),
    failing(['simulate', join(dir, 'invalid.yaml')]),
    failing(['simulate', join(dir, 'step.yaml')]),
    failing(['simulate', join(dir, 'invalid.yaml'), '--colour']),
    failing(['simulate']),
    failing(['simulate', join(dir, 'missing.yaml'), '--debug']),
  ]);
  expect(missing).toMatchObject({ code: 1, stderr: `tidings: ${join(dir, 'missing.yaml')}: no such file or folder\n` });
  expect(syntax.code).toBe(1);
  expect(syntax.stderr).toMatch(new RegExp(`^tidings: ${join(dir, 'syntax.yaml')}:4:1: [^\n]+\n$`));
  expect(invalid).toMatchObject({
    code: 1,
    stderr: `tidings: ${join(dir, 'invalid.yaml')}: not a valid scenario: 'steps' must be array\n`,
  });
  expect(step).toMatchObject({
    code: 1,
    stderr: `tidings: ${join(dir, 'step.yaml')}: 'steps[0].inbound.channel' names no channel: 'nowhere'\n`,
  });
  expect(unknownOption).toMatchObject({ code: 2, stderr: "error: unknown option '--colour'\n" });
  expect(noArgument).toMatchObject({ code: 2, stderr: "error: missing required argument 'scenario'\n" });
  for (const run of [missing, syntax, invalid, step]) expect(run.stderr).not.toMatch(NO_STACK);
  expect(debug.code).toBe(1);
  expect(debug.stderr.split('\n')[0]).toBe(`tidings: ${join(dir, 'missing.yaml')}: no such file or folder`);
  expect(debug.stderr).toMatch(NO_STACK);
  expect(debug.stderr).toContain('Caused by: Error: ENOENT');
});

test('tidings apply: an unreachable server, a missing key or a missing folder is one line, no stack', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const dir = mkdtempSync(join(tmpdir(), 'tidings-apply-errors-'));
  writeFileSync(join(dir, 'channels.yaml'), 'channels: []\n');
  const [unreachable, noKey, missing] = await Promise.all([
    failing(['apply', dir, '--url', `http://127.0.0.1:${port}`, '--key', 'k']),
    failing(['apply', dir, '--url', `http://127.0.0.1:${port}`], { TIDINGS_API_KEY: '' }),
    failing(['apply', join(dir, 'nope'), '--url', `http://127.0.0.1:${port}`, '--key', 'k']),
  ]);
  expect(unreachable).toMatchObject({
    code: 1,
    stderr: `tidings: cannot reach the server at http://127.0.0.1:${port} (ECONNREFUSED); is it running? (--url)\n`,
  });
  expect(noKey).toMatchObject({ code: 2, stderr: 'tidings: an admin API key is required: --key or TIDINGS_API_KEY\n' });
  expect(missing).toMatchObject({ code: 1, stderr: `tidings: ${join(dir, 'nope')}: no such file or folder\n` });
});

test('tidings apply sends a folder of definitions; a refused bundle names the field and exits 1', async () => {
  const server = await startTestServer('sqlite');
  try {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-defs-'));
    writeFileSync(
      join(dir, '01-channels.yaml'),
      'channels:\n  - {id: hook, type: webhook, url: "https://example.com/hook"}\n',
    );
    writeFileSync(
      join(dir, '02-campaigns.json'),
      JSON.stringify({
        campaigns: [
          {
            id: 'hello',
            name: 'Hello',
            status: 'active',
            trigger: { type: 'custom_event', event: 'signed_up' },
            message: { channel: 'hook', default: { type: 'text', text: 'hi' } },
          },
        ],
      }),
    );
    const applied = await tidings(['apply', dir, '--url', server.url, '--key', ADMIN_KEY]);
    expect(applied.stdout).toContain('Applied: 2 created, 0 replaced.');
    expect((await server.call('GET', '/v1/campaigns/hello')).body.name).toBe('Hello');

    writeFileSync(
      join(dir, '02-campaigns.json'),
      JSON.stringify({
        campaigns: [
          {
            id: 'hello',
            name: 'Hello',
            status: 'active',
            trigger: { type: 'custom_event', event: 'signed_up' },
            message: { channel: 'nope', default: { type: 'text', text: 'hi' } },
          },
        ],
      }),
    );
    const refused = await tidings(['apply', dir, '--url', server.url, '--key', ADMIN_KEY]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect('code' in refused ? refused.code : 0).toBe(1);
    expect(refused.stderr).toContain('campaigns[hello].message.channel');
    expect(refused.stderr).toBe(
      'Refused by the server (400), nothing applied:\n' +
        `  campaigns[hello].message.channel: 'campaigns[hello].message.channel' names no channel: "nope" (define it, or use "last_interacted")\n`,
    );
    expect((await server.call('GET', '/v1/campaigns/hello')).body.message.channel).toBe('hook');
  } finally {
    await server.close();
  }
});

test('tidings line sync-followers imports a channel’s followers into the database, with progress, and again changes nothing', async () => {
  const { FakeLine } = await import('../fakes/line.ts');
  const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store.ts');
  const { createEngine } = await import('../../src/engine/engine.ts');
  const { applyDefinitions } = await import('../../src/engine/campaigns/definitions.ts');
  const fake = new FakeLine({ token: 'oa-token' });
  const url = await fake.start();
  fake.followers = Array.from({ length: 1_500 }, (_, i) => `U${String(i).padStart(32, '0')}`);
  const db = join(mkdtempSync(join(tmpdir(), 'tidings-cli-')), 'tidings.db');
  const store = new SqliteStore(db);
  await store.migrate();
  await applyDefinitions(createEngine(store), {
    channels: [
      { id: 'line-oa', type: 'line', channel_access_token: { env: 'TIDINGS_SECRET_OA_TOKEN' }, api_base_url: url },
    ],
  });
  await store.close();
  try {
    const first = await tidings(['line', 'sync-followers', 'line-oa', '--db', db], {
      TIDINGS_SECRET_OA_TOKEN: 'oa-token',
    });
    expect(first.stdout).toMatch(/^Imported 1,500 followers of 'line-oa': 1,500 new profiles, in \d+\.\d s\.\n$/);
    // Not a terminal: one line per page, each with the bar over LINE's count of followers.
    expect(first.stderr).toContain(
      `[${'█'.repeat(16)}${'░'.repeat(8)}]  67%  1,000 / ≈1,500 followers, 1,000 new (1 page)\n`,
    );
    expect(first.stderr).toContain(`[${'█'.repeat(24)}] 100%  1,500 / ≈1,500 followers, 1,500 new (2 pages)\n`);
    const again = await tidings(['line', 'sync-followers', 'line-oa', '--db', db], {
      TIDINGS_SECRET_OA_TOKEN: 'oa-token',
    });
    expect(again.stdout).toContain(': 0 new profiles');
    const reopened = new SqliteStore(db);
    expect(await reopened.read((r) => r.countUsers())).toBe(1_500);
    await reopened.close();
    await expect(
      tidings(['line', 'sync-followers', 'line-oa', '--db', db], { TIDINGS_SECRET_OA_TOKEN: '' }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('has no channel_access_token'),
    });
  } finally {
    await fake.stop();
  }
});

test('TIDINGS_WORKER_BATCH sets the worker’s batch size, and a bad value is refused by name', async () => {
  const { workerBatchSize } = await import('../../src/engine/campaigns/worker.ts');
  expect(workerBatchSize(undefined)).toBe(2000);
  expect(workerBatchSize('')).toBe(2000);
  expect(workerBatchSize('100')).toBe(100);
  for (const bad of ['0', '-5', '1.5', 'many', '100001'])
    expect(() => workerBatchSize(bad)).toThrow(/TIDINGS_WORKER_BATCH must be an integer from 1 to 100000/);
});
