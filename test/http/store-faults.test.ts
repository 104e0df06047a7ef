import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import { ensureAdminKey } from '../../src/engine/api-keys.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { DEFAULT_CONFIG } from '../../src/engine/config.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { buildApp } from '../../src/http/app.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { isPostgresReachable, openTestPostgresStore, postgresTestUrl, inCi } from '../support/postgres.ts';

/**
 * Store faults seen through HTTP: a store that does not answer gives 503 within its deadline and
 * `/readyz` says so within 1 s; a full disk gives 507 on writes and makes `/readyz` 503.
 */

const KEY = 'store-faults-key';
const pgReachable = await isPostgresReachable();

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(store: Store, withKey = true): Promise<string> {
  const engine = createEngine(store, new ManualClock('2026-03-06T08:00:00Z'), DEFAULT_CONFIG);
  if (withKey) await ensureAdminKey(engine, KEY);
  const app: FastifyInstance = await buildApp({ engine });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => app.close());
  return url;
}

async function timed(url: string, method: string, body?: unknown) {
  const started = performance.now();
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, ms: performance.now() - started };
}

/** A TCP server on loopback that accepts connections and never says a word. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

describe('a store that does not answer', () => {
  test('PostgreSQL that accepts and never answers: 503 within the deadline, /readyz 503 within 1 s', async () => {
    const port = await silentServer();
    const store = new PostgresStore(`postgres://postgres@127.0.0.1:${port}/silent`, { timeoutMs: 200 });
    closers.push(() => store.close());
    const url = await serve(store, false);

    const tracked = await timed(`${url}/users/track`, 'POST', { attributes: [{ external_id: 'u1' }] });
    expect(tracked.status).toBe(503);
    expect(tracked.body.message).toBe('store unavailable');
    expect(tracked.ms).toBeLessThan(1000);

    const ready = await timed(`${url}/readyz`, 'GET');
    expect(ready.status).toBe(503);
    expect(ready.body.message).toMatch(/^The store cannot take a write: store unavailable/);
    expect(ready.ms).toBeLessThan(1000);

    expect((await timed(`${url}/healthz`, 'GET')).status).toBe(200);
  });

  test.skipIf(!inCi && !pgReachable)(
    'PostgreSQL with the table locked by another session: 503 within the deadline, then 201 once it is free',
    async () => {
      const opened = await openTestPostgresStore();
      closers.push(opened.cleanup);
      // The same schema, with a 300 ms deadline.
      const store = new PostgresStore(postgresTestUrl(), { schema: opened.schema, timeoutMs: 300 });
      closers.push(() => store.close());
      const url = await serve(store);
      const admin = new pg.Client({ connectionString: postgresTestUrl() });
      await admin.connect();
      closers.push(() => admin.end());
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE ${pg.escapeIdentifier(opened.schema)}.users IN ACCESS EXCLUSIVE MODE`);

      const blocked = await timed(`${url}/users/track`, 'POST', { attributes: [{ external_id: 'u1' }] });
      expect(blocked.status, JSON.stringify(blocked.body)).toBe(503);
      expect(blocked.body.message).toBe('store unavailable');
      expect(blocked.ms).toBeLessThan(1000);

      await admin.query('ROLLBACK');
      const tracked = await timed(`${url}/users/track`, 'POST', { attributes: [{ external_id: 'u1' }] });
      expect(tracked.status, JSON.stringify(tracked.body)).toBe(201);
      expect((await timed(`${url}/readyz`, 'GET')).body).toEqual({ status: 'ready', store: 'postgres' });
    },
  );
});

describe('a read-only store', () => {
  test('SQLite opened read-only: /readyz 503 naming it, reads still work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-readonly-'));
    const path = join(dir, 'tidings.db');
    const writable = new SqliteStore(path);
    await writable.migrate();
    await writable.close();
    const store = new SqliteStore(path, { pragmas: ['query_only = ON'] });
    closers.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const url = await serve(store, false);
    const ready = await timed(`${url}/readyz`, 'GET');
    expect(ready.status).toBe(503);
    expect(ready.body.message).toBe(
      'The store cannot take a write: store unavailable: the database is read-only (SQLITE_READONLY)',
    );
    await expect(store.read((r) => r.countUsers())).resolves.toBe(0);
  });

  test.skipIf(!inCi && !pgReachable)(
    'PostgreSQL whose transactions are read-only (a standby after a failover): /readyz 503, writes 503',
    async () => {
      const name = `tidings_readonly_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: postgresTestUrl() });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      closers.push(async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      });
      const url = new URL(postgresTestUrl());
      url.pathname = `/${name}`;
      const migrating = new PostgresStore(url.toString());
      await migrating.migrate();
      await ensureAdminKey(createEngine(migrating), KEY);
      await migrating.close();
      await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      const store = new PostgresStore(url.toString());
      closers.push(() => store.close());
      const server = await serve(store, false);

      const ready = await timed(`${server}/readyz`, 'GET');
      expect(ready.status).toBe(503);
      expect(ready.body.message).toMatch(
        /^The store cannot take a write: store unavailable: cannot execute INSERT in a read-only transaction \(SQLSTATE 25006\)$/,
      );
      expect(ready.ms).toBeLessThan(1000);
      const tracked = await timed(`${server}/users/track`, 'POST', { attributes: [{ external_id: 'u1' }] });
      expect(tracked.status).toBe(503);
      expect(tracked.body.message).toBe('store unavailable');
    },
  );
});

describe('a full disk', () => {
  test('SQLite at its size limit: 507 on writes, nothing written, reads still work, /readyz 503', async () => {
    // Small enough to fill in a few requests, large enough for the schema and the admin key.
    const store = new SqliteStore(':memory:', { pragmas: ['max_page_count = 260'] });
    await store.migrate();
    closers.push(() => store.close());
    const url = await serve(store);
    expect((await timed(`${url}/readyz`, 'GET')).body).toEqual({ status: 'ready', store: 'sqlite' });

    const filler = randomBytes(100).toString('hex');
    let full: Awaited<ReturnType<typeof timed>> | null = null;
    let created = 0;
    for (let i = 0; i < 200 && full === null; i++) {
      const tracked = await timed(`${url}/users/track`, 'POST', {
        attributes: Array.from({ length: 75 }, (_, k) => ({ external_id: `u${i}-${k}`, notes: filler })),
      });
      if (tracked.status === 201) created += 75;
      else full = tracked;
    }
    expect(full?.status, JSON.stringify(full?.body)).toBe(507);
    expect(full?.body).toEqual({
      message: 'store full',
      errors: [{ message: 'the database or its disk is full (SQLITE_FULL)' }],
    });
    expect(created).toBeGreaterThan(0);
    // The refused request wrote nothing; what was written before is still there.
    expect(await store.read((r) => r.countUsers())).toBe(created);
    const found = await timed(`${url}/users/export/ids`, 'POST', { external_ids: ['u0-0'] });
    expect(found.status).toBe(201);
    expect(found.body.users).toHaveLength(1);

    const ready = await timed(`${url}/readyz`, 'GET');
    expect(ready.status).toBe(503);
    expect(ready.body.message).toMatch(/^The store cannot take a write: store full/);
    expect(ready.ms).toBeLessThan(1000);
  });
});
