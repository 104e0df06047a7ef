import type { FastifyInstance } from 'fastify';
import { channelAdapter } from '../../src/channels/adapter.ts';
import { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { ensureAdminKey } from '../../src/engine/api-keys.ts';
import { ManualClock, type Clock } from '../../src/engine/clock.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { configFromEnv, type EngineConfig } from '../../src/engine/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { openTestStore, type StoreKind } from './stores.ts';

export const ADMIN_KEY = 'test-admin-key';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export interface TestServer {
  url: string;
  engine: Engine;
  clock: Clock;
  app: FastifyInstance;
  /** A JSON request with the admin key unless another key (or null for none) is given. */
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { key?: string | null; headers?: Record<string, string>; raw?: string },
  ): Promise<Reply>;
  close(): Promise<void>;
}

/** The real HTTP server on a loopback port, over a fresh store of the given kind. */
export async function startTestServer(
  kind: StoreKind,
  options: { clock?: Clock; bodyLimit?: number; config?: Partial<EngineConfig> } = {},
): Promise<TestServer> {
  const { store, cleanup } = await openTestStore(kind);
  const clock = options.clock ?? new ManualClock('2026-03-06T08:00:00Z');
  // The fakes are on loopback: allowed here explicitly, whatever the environment says, unless a
  // test's own `config` turns it off.
  const engine = createEngine(store, clock, { ...configFromEnv(), allowPrivateNetwork: true, ...options.config });
  await ensureAdminKey(engine, ADMIN_KEY);
  const app = await buildApp({ engine, bodyLimit: options.bodyLimit });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    engine,
    clock,
    app,
    async call(method, path, body, callOptions = {}) {
      const key = callOptions.key === undefined ? ADMIN_KEY : callOptions.key;
      const headers: Record<string, string> = { ...(key !== null ? { authorization: `Bearer ${key}` } : {}) };
      if (body !== undefined || callOptions.raw !== undefined) headers['content-type'] = 'application/json';
      Object.assign(headers, callOptions.headers);
      const response = await fetch(url + path, {
        method,
        headers,
        body: callOptions.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

/**
 * A test server over a fresh store with these definitions applied (`POST /v1/apply`), its manual
 * clock, and a campaign worker that is not started: tests run it with `runDue()`.
 */
export async function startServerWithWorker(
  kind: StoreKind,
  definitions: Record<string, unknown>,
  config?: Partial<EngineConfig>,
): Promise<{ server: TestServer; clock: ManualClock; worker: CampaignWorker }> {
  const server = await startTestServer(kind, { config });
  const applied = await server.call('POST', '/v1/apply', definitions);
  if (applied.status !== 200) throw new Error(`the test's definitions were refused: ${JSON.stringify(applied.body)}`);
  return { server, clock: server.clock as ManualClock, worker: new CampaignWorker(server.engine, channelAdapter) };
}
