import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureAdminKey } from '../../src/engine/api-keys.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { DEFAULT_CONFIG } from '../../src/engine/config.ts';
import { createEngine } from '../../src/engine/engine.ts';
import {
  buildApp,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from '../../src/http/app.ts';
import { openTestStore } from '../support/stores.ts';

// A socket test fails after 5 s rather than waiting for the suite's timeout.
// The deadlines are Node's own timers on the real server's sockets (no clock of ours is
// involved); short ones let the test wait for them without sleeping.
const HEADERS_MS = 200;
const REQUEST_MS = 400;
const KEEP_ALIVE_MS = 200;

let app: FastifyInstance;
let port: number;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const opened = await openTestStore('sqlite');
  cleanup = opened.cleanup;
  const engine = createEngine(opened.store, new ManualClock('2026-03-06T08:00:00Z'), DEFAULT_CONFIG);
  await ensureAdminKey(engine, 'k');
  app = await buildApp({
    engine,
    headersTimeoutMs: HEADERS_MS,
    requestTimeoutMs: REQUEST_MS,
    keepAliveTimeoutMs: KEEP_ALIVE_MS,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  await app.close();
  await cleanup();
});

/** Opens a raw socket, writes `text`, and resolves with all the server sent once it closes the socket. */
function sendAndWaitForClose(text: string): Promise<{ received: string; elapsed: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ received, elapsed: performance.now() - started }));
  });
}

test('the defaults: headers within 10 s, the whole request within 30 s, idle keep-alive 72 s', () => {
  expect([DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_TIMEOUT_MS]).toEqual([
    10_000, 30_000, 72_000,
  ]);
  expect(app.server.headersTimeout).toBe(HEADERS_MS);
  expect(app.server.requestTimeout).toBe(REQUEST_MS);
  expect(app.server.keepAliveTimeout).toBe(KEEP_ALIVE_MS);
});

test('headers that never finish get a 408 and the socket is closed', async () => {
  const { received, elapsed } = await sendAndWaitForClose(
    'POST /users/track HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\n',
  );
  expect(received).toMatch(/^HTTP\/1\.1 408 /);
  expect(elapsed).toBeGreaterThanOrEqual(HEADERS_MS - 20);
  expect(elapsed).toBeLessThan(HEADERS_MS + 2000);
}, 5000);

test('a body that stops short gets a 408 and the socket is closed; nothing is written', async () => {
  const { received, elapsed } = await sendAndWaitForClose(
    'POST /users/track HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\n' +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"attributes": [{"external_id": "slow"',
  );
  expect(received).toMatch(/^HTTP\/1\.1 408 /);
  expect(elapsed).toBeGreaterThanOrEqual(REQUEST_MS - 20);
  expect(elapsed).toBeLessThan(REQUEST_MS + 2000);
  const users = await app.inject({
    method: 'GET',
    url: '/v1/users?external_id=slow',
    headers: { authorization: 'Bearer k' },
  });
  expect(users.json()).toEqual({ users: [] });
}, 5000);

test('an idle keep-alive socket is closed after its answer', async () => {
  const { received, elapsed } = await sendAndWaitForClose(
    'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n',
  );
  expect(received).toMatch(/^HTTP\/1\.1 200 /);
  expect(received).toContain('{"status":"ok"}');
  expect(received).not.toContain('408');
  expect(elapsed).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 20);
  expect(elapsed).toBeLessThan(KEEP_ALIVE_MS + 2000);
}, 5000);
