import { InvalidArgumentError } from 'commander';
import {
  DEFAULT_RATE_LIMITS,
  describeRateLimit,
  NO_RATE_LIMITS,
  parseRateLimits,
  RATE_LIMIT_GROUPS,
  type RateLimits,
} from '../core/rate-limit.ts';
import { channelAdapter } from '../channels/adapter.ts';
import { CampaignWorker, workerBatchSize } from '../engine/campaigns/worker.ts';
import { buildApp } from '../http/app.ts';
import { ensureAdminKey } from '../engine/api-keys.ts';
import { createEngine } from '../engine/engine.ts';
import { systemClock } from '../engine/clock.ts';
import { configFromEnv } from '../engine/config.ts';
import { openStore } from '../store/open-store.ts';
import { parseStoreTimeoutMs } from '../store/store-deadline.ts';

export const DEFAULT_DATABASE = './data/tidings.db';

/** `--db`, else DATABASE_URL, else the embedded SQLite file. */
export function resolveDatabase(flag: string | undefined): string {
  return flag ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE;
}

/** Parses `--rate-limit` / TIDINGS_RATE_LIMITS for commander, which prints the message with the option's name. */
export function parseRateLimitOption(spec: string): RateLimits {
  try {
    return parseRateLimits(spec);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `--no-rate-limit` gives false; no flag and no env, Braze's defaults. */
export function resolveRateLimits(option: RateLimits | false | undefined): RateLimits {
  if (option === false) return NO_RATE_LIMITS;
  return option ?? DEFAULT_RATE_LIMITS;
}

function describeRateLimits(limits: RateLimits): string {
  return RATE_LIMIT_GROUPS.map((group) => `${group}=${describeRateLimit(limits[group])}`).join(',');
}

function describeDatabase(location: string): string {
  return /^postgres(ql)?:/.test(location)
    ? `PostgreSQL ${location.replace(/\/\/[^@/]*@/, '//***@')}`
    : `SQLite ${location}`;
}

/**
 * Opens and migrates the store, makes sure an admin key exists, and serves until SIGTERM/SIGINT;
 * then stops accepting, lets in-flight requests finish and closes the store.
 */
export async function startServer(options: {
  port: number;
  host: string;
  database: string;
  rateLimits: RateLimits;
}): Promise<void> {
  const store = await openStore(options.database, {
    backgroundCheckpoints: true,
    timeoutMs: parseStoreTimeoutMs(process.env.TIDINGS_STORE_TIMEOUT_MS),
  });
  await store.migrate();
  const engine = createEngine(store, systemClock, configFromEnv());
  const printedKey = await ensureAdminKey(engine, process.env.TIDINGS_ADMIN_KEY);
  const app = await buildApp({
    engine,
    logger: { level: process.env.LOG_LEVEL ?? 'info' },
    rateLimits: options.rateLimits,
  });
  const worker = new CampaignWorker(
    engine,
    channelAdapter,
    (error) => app.log.error({ err: error }, 'campaign worker failed; retrying'),
    {
      batchSize: workerBatchSize(process.env.TIDINGS_WORKER_BATCH),
    },
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await app.close();
      await worker.stop();
      await store.close();
      app.log.info('stopped');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const address = await app.listen({ port: options.port, host: options.host });
  worker.start();
  console.log(`Tidings listening on ${address} (${describeDatabase(options.database)})`);
  console.log(`Rate limits per API key, counted in this process: ${describeRateLimits(options.rateLimits)}`);
  if (printedKey) {
    console.log(`\nAdmin API key (shown once; keep it somewhere safe):\n\n  ${printedKey}\n`);
  }
}
