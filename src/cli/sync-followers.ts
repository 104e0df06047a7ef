import { createEngine } from '../engine/engine.ts';
import { systemClock } from '../engine/clock.ts';
import { configFromEnv } from '../engine/config.ts';
import { importFollowers } from '../engine/followers.ts';
import { TidingsError } from '../core/errors.ts';
import { openStore } from '../store/open-store.ts';
import { progressLine, ProgressWriter } from './progress-bar.ts';

/**
 * `tidings line sync-followers CHANNEL`: runs the import against the database directly (a running
 * server may share it), with a progress bar (LINE's follower count of yesterday as the total)
 * updated after every page of 1,000 followers.
 */
export async function syncFollowers(channelId: string, database: string): Promise<number> {
  const store = await openStore(database);
  try {
    await store.migrate();
    const engine = createEngine(store, systemClock, configFromEnv());
    const started = Date.now();
    const progress = new ProgressWriter();
    const done = await importFollowers(engine, channelId, (p) => {
      // LINE's count is yesterday's: the bar may end short of or past it, so it is shown as approximate.
      progress.update(
        `${progressLine(p.followers, p.expected, 'followers', { approximate: true })}, ${p.created.toLocaleString('en-US')} new (${p.pages} page${p.pages === 1 ? '' : 's'})`,
      );
    });
    progress.done();
    console.log(
      `Imported ${done.followers.toLocaleString('en-US')} followers of '${channelId}': ${done.created.toLocaleString('en-US')} new profiles, in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    return 0;
  } catch (error) {
    if (error instanceof TidingsError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}
