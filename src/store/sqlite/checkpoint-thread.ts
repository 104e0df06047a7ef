import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The body of the WAL checkpointer thread (see wal-checkpointer.ts): on its own connection, copies
 * committed WAL pages into the database file every `intervalMs`, PASSIVE, so that it never waits
 * for or blocks the writer.
 */
const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path);
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    // SQLITE_BUSY: the writer's own checkpoint is running; the next turn does ours.
    if (!/busy|locked/i.test((error as Error).message)) parentPort!.postMessage({ error: (error as Error).message });
  }
}, intervalMs);

parentPort!.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
