import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite's WAL checkpoints on a thread of their own. A checkpoint copies the WAL into the
 * database file and syncs it; run by the writer at commit (SQLite's default), it stopped the
 * server's event loop for up to 46 ms about once a second under B2's webhooks. From this thread
 * the copy and its syncs happen beside the event loop; the writer's own checkpoint (still on, as
 * the backstop that resets the WAL) finds little left to do.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | null = null;

  constructor(path: string, options: { intervalMs?: number; onError?: (message: string) => void } = {}) {
    this.worker = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), {
      workerData: { path, intervalMs: options.intervalMs ?? 100 },
    });
    this.worker.unref();
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error) options.onError?.(message.error);
    });
    this.worker.on('error', (error) => options.onError?.(error.message));
  }

  /** Stops the thread and closes its connection. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      // Unreferenced, the thread would let a process with nothing else to do exit before it
      // does, leaving this promise (and whoever awaits it, e.g. shutdown) unsettled.
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
