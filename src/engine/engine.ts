import { monotonicFactory } from 'ulid';
import { DEFAULT_SETTINGS, type Settings } from '../schemas/settings.ts';
import type { Store, StoreReader } from '../store/store.ts';
import { systemClock, type Clock } from './clock.ts';

/** What every engine operation runs with: the store, the clock, and an id source tied to the clock. */
export interface Engine {
  store: Store;
  clock: Clock;
  newId: () => string;
}

export function createEngine(store: Store, clock: Clock = systemClock): Engine {
  const ulid = monotonicFactory();
  return { store, clock, newId: () => ulid(clock.now()) };
}

export async function loadSettings(reader: StoreReader): Promise<Settings> {
  return { ...DEFAULT_SETTINGS, ...(await reader.getSettings()) };
}
