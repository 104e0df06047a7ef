import { monotonicFactory } from 'ulid';
import { DEFAULT_SETTINGS, type Settings } from '../schemas/settings.ts';
import type { Store, StoreReader } from '../store/store.ts';
import type { ApiKeyRecord } from '../core/api-key.ts';
import { systemClock, type Clock } from './clock.ts';
import { DEFAULT_CONFIG, type EngineConfig } from './config.ts';
import type { LiveDefinitions } from './campaigns/definitions.ts';
import { ReadCache } from './read-cache.ts';
import { WorkSignal } from './work-signal.ts';

/** How long another server process's change to settings or API keys may take to be seen here. */
export const SHARED_CACHE_TTL_MS = 1000;

/** What every engine operation runs with: the store, the clock, and an id source tied to the clock. */
export interface Engine {
  store: Store;
  clock: Clock;
  /** What the operator set from outside (see config.ts). */
  config: EngineConfig;
  newId: () => string;
  /** Told when a commit created work (pending sends, outgoing messages), so the worker looks now. */
  work: WorkSignal;
  caches: {
    settings: ReadCache<'settings', Settings>;
    /** By key hash; only keys that exist are kept. */
    apiKeys: ReadCache<string, ApiKeyRecord | null>;
    /** Campaigns, segments, content blocks, channels and the trigger index. */
    definitions: ReadCache<'live', LiveDefinitions>;
  };
}

/**
 * Random fractions for ULIDs from the system CSPRNG, drawn 4 KiB at a time: the ulid package asks
 * for one byte per character, and one `getRandomValues` call per byte took 5 % of the server's
 * CPU in B2.
 */
function pooledRandom(): () => number {
  const pool = new Uint8Array(4096);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      crypto.getRandomValues(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}

export function createEngine(store: Store, clock: Clock = systemClock, config: EngineConfig = DEFAULT_CONFIG): Engine {
  const ulid = monotonicFactory(pooledRandom());
  return {
    store,
    clock,
    config,
    newId: () => ulid(clock.now()),
    work: new WorkSignal(),
    caches: {
      settings: new ReadCache(SHARED_CACHE_TTL_MS),
      apiKeys: new ReadCache(SHARED_CACHE_TTL_MS),
      definitions: new ReadCache(SHARED_CACHE_TTL_MS),
    },
  };
}

export async function loadSettings(reader: StoreReader): Promise<Settings> {
  return { ...DEFAULT_SETTINGS, ...(await reader.getSettings()) };
}

/** The settings for a hot path that runs outside a transaction; see ReadCache for freshness. */
export function cachedSettings(engine: Engine): Promise<Settings> {
  return engine.caches.settings.get('settings', () => engine.store.read(loadSettings));
}

/** Changes settings and returns them whole. */
export async function updateSettings(engine: Engine, patch: Partial<Settings>): Promise<Settings> {
  try {
    return await engine.store.transaction(async (tx) => {
      await tx.putSettings(patch);
      return loadSettings(tx);
    });
  } finally {
    engine.caches.settings.clear();
  }
}
