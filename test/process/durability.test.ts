import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { startChildServer } from '../support/child-server.ts';

const KEY = 'durability-key';
/** A batch number the load never reaches (it stops after a few hundred). */
const HELD_BATCH = 49_999;

function trackBody(batch: number) {
  return {
    attributes: [{ external_id: `u${batch % 50}`, last_batch: batch }],
    events: Array.from({ length: 10 }, (_, i) => ({
      external_id: `u${batch % 50}`,
      name: `b${batch}-e${i}`,
      time: '2026-03-01T00:00:00Z',
    })),
  };
}

async function post(url: string, body: unknown): Promise<number> {
  const response = await fetch(`${url}/users/track`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function storedEventNames(db: string): Promise<Set<string>> {
  const store = new SqliteStore(db);
  try {
    const names = new Set<string>();
    const ids = (
      await store.read((r) =>
        r.loadUsers({
          ids: [],
          externalIds: Array.from({ length: 50 }, (_, i) => `u${i}`),
          aliases: [],
          emails: [],
          phones: [],
          lineIds: [],
        }),
      )
    ).map((u) => u.id);
    for (const id of ids)
      for (const event of await store.read((r) => r.listEvents(id, { limit: 100_000 }))) names.add(event.name);
    return names;
  } finally {
    await store.close();
  }
}

test('kill -9 during ingestion loses no acknowledged write', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'tidings-kill-')), 'tidings.db');
  const server = await startChildServer(db, { TIDINGS_ADMIN_KEY: KEY });
  const acknowledged: number[] = [];
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const batch = next++;
      try {
        if ((await post(server.url, trackBody(batch))) === 201) acknowledged.push(batch);
      } catch {
        return; // the connection died with the server: this batch was never acknowledged
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  while (acknowledged.length < 150) await new Promise((r) => setTimeout(r, 5));
  killed = true;
  server.child.kill('SIGKILL');
  await Promise.all(workers);
  expect((await server.exited).signal).toBe('SIGKILL');

  const stored = await storedEventNames(db);
  const missing = acknowledged
    .flatMap((b) => Array.from({ length: 10 }, (_, i) => `b${b}-e${i}`))
    .filter((n) => !stored.has(n));
  expect(acknowledged.length).toBeGreaterThanOrEqual(150);
  expect(missing).toEqual([]);
  // No batch is half-written: each one is all ten events or none.
  for (let b = 0; b < next; b++) {
    const present = Array.from({ length: 10 }, (_, i) => stored.has(`b${b}-e${i}`));
    expect(new Set(present).size, `batch ${b}`).toBe(1);
  }
}, 60_000);

/**
 * A /users/track request that the server is holding: its headers have arrived (the server answered
 * `100 Continue`), its body has not been sent. `finish` sends the body and resolves with the status.
 */
function heldRequest(url: string, body: unknown): Promise<{ finish: () => Promise<number> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}/users/track`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        expect: '100-continue',
      },
    });
    const status = new Promise<number>((answered, failed) => {
      req.once('response', (response) => {
        response.resume();
        response.once('end', () => answered(response.statusCode ?? 0));
      });
      req.once('error', failed);
    });
    req.once('continue', () =>
      resolve({
        finish: () => {
          req.end(payload);
          return status;
        },
      }),
    );
    req.once('error', reject);
    req.flushHeaders();
  });
}

test('SIGTERM finishes in-flight requests, then exits 0 with the store closed', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'tidings-term-')), 'tidings.db');
  const server = await startChildServer(db, { TIDINGS_ADMIN_KEY: KEY, LOG_LEVEL: 'info' });
  const outcomes = new Map<number, number | 'refused'>();
  let next = 0;
  const worker = async () => {
    while (true) {
      const batch = next++;
      const status = await post(server.url, trackBody(batch)).catch(() => 'refused' as const);
      outcomes.set(batch, status);
      if (status === 'refused' || status === 503) return;
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  while ([...outcomes.values()].filter((s) => s === 201).length < 20) await new Promise((r) => setTimeout(r, 2));
  const held = await heldRequest(server.url, trackBody(HELD_BATCH));
  server.child.kill('SIGTERM');
  // Its body is sent only once the server is shutting down: it is in flight across the signal.
  while (!server.output().includes('shutting down')) await new Promise((r) => setTimeout(r, 2));
  expect(await held.finish()).toBe(201);
  await Promise.all(workers);
  expect((await server.exited).code).toBe(0);
  // Shutdown ran to its end, whose last log line is `stopped`: it used to be missing because the
  // process, with only the (unreferenced) checkpointer thread left, exited in the middle of
  // store.close(). The pipe's 'close' comes after 'exit' and after all the output.
  if (!server.child.stdout!.closed) await once(server.child.stdout!, 'close');
  expect(server.output()).toMatch(/"msg":"stopped"/);
  // A closed SQLite store has checkpointed and removed its WAL and shared-memory files.
  expect(readdirSync(dirname(db))).toEqual(['tidings.db']);
  const stored = await storedEventNames(db);
  expect(stored.has(`b${HELD_BATCH}-e9`)).toBe(true);
  const acknowledged = [...outcomes].filter(([, status]) => status === 201);
  expect(acknowledged.length).toBeGreaterThanOrEqual(20);
  for (const [batch] of acknowledged) expect(stored.has(`b${batch}-e9`), `batch ${batch}`).toBe(true);
  for (const [, status] of outcomes) expect([201, 503, 'refused']).toContain(status);
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
}, 30_000);
