// B3's worker process: `node bench/lib/timers-worker.ts --db DB --anchor MS --window-ms MS [--lead-ms MS]`.
// Opens the store B3 seeded and runs the server's campaign worker (CampaignWorker.start(), the same
// object and channel adapter as `tidings start`) on the system clock until every pending send is
// done, then reports its figures (to the harness over IPC, else on stdout).
//
// The seeded due times start at `anchor`. So that the window opens `lead-ms` after this process is
// ready, whatever the seeding took, the engine's clock is the system clock plus a constant offset
// (fixed once, here): it runs at real speed, and lateness (sent − due) is real milliseconds. When
// ready it reports `{"ready": true, "offset_ms": …}` so that the harness can follow it.
//
// The harness, not this process, enforces the deadline, samples memory and records the CPU
// profile (over the inspector), so that none of that work is counted as the worker's.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { channelAdapter } from '../../src/channels/adapter.ts';
import { CampaignWorker, workerBatchSize } from '../../src/engine/campaigns/worker.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { configFromEnv } from '../../src/engine/config.ts';
import { openStore } from '../../src/store/open-store.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    anchor: { type: 'string' },
    'window-ms': { type: 'string' },
    'lead-ms': { type: 'string', default: '1500' },
  },
});
if (!values.db || !values.anchor || !values['window-ms'])
  throw new Error('usage: timers-worker.ts --db DB --anchor MS --window-ms MS');
const anchor = Number(values.anchor);
const windowMs = Number(values['window-ms']);
const leadMs = Number(values['lead-ms']);

function status(field: string): number | null {
  const match = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : null;
}

const store = await openStore(values.db, { backgroundCheckpoints: true });
await store.migrate();
let offset = 0;
const engine = createEngine(store, { now: () => Date.now() + offset }, configFromEnv());
const errors: string[] = [];
// TIDINGS_WORKER_BATCH applies here as in the server.
const worker = new CampaignWorker(
  engine,
  channelAdapter,
  (error) => {
    if (errors.length < 5) errors.push((error as Error).stack ?? String(error));
  },
  { batchSize: workerBatchSize(process.env.TIDINGS_WORKER_BATCH) },
);
// Warm the connection before the window opens.
await worker.nextDueAt();

// With a harness (an IPC channel) the figures go to it, and this process exits when told, so that
// the harness can stop its CPU profile first; run by hand, they are printed.
const report = (message: Record<string, unknown>): Promise<void> =>
  new Promise((resolve) =>
    process.send ? process.send(message, () => resolve()) : (console.log(JSON.stringify(message)), resolve()),
  );
process.on('message', (message) => {
  if (message === 'exit') process.exit(0);
});

offset = anchor - leadMs - Date.now();
await report({ ready: true, offset_ms: offset });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, leadMs - 50)));
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
worker.start();

const end = anchor + windowMs;
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (engine.clock.now() >= end && (await worker.nextDueAt()) === null) break;
}
await worker.stop();
const stoppedAt = engine.clock.now();
const wallSeconds = (performance.now() - wallStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
await store.close();
await report({
  finished: true,
  stopped_at: stoppedAt,
  wall_s: wallSeconds,
  cpu_cores: (cpu.user + cpu.system) / 1e6 / wallSeconds,
  hwm_rss_mib: status('VmHWM'),
  offset_ms: offset,
  errors,
});
if (!process.send) process.exit(0);
