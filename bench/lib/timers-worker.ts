// B3's worker process: `node bench/lib/timers-worker.ts --db DB --anchor MS --window-ms MS [--lead-ms MS]
// [--deadline-ms MS] [--cpu-prof FILE]`. Opens the store B3 seeded and runs the server's campaign
// worker (CampaignWorker.start(), the same object and adapter as `tidings start`) on the system clock
// until every pending send is done, then prints one JSON line of figures on stdout.
//
// The seeded due times start at `anchor`. So that the window starts `lead-ms` after this process is
// ready, whatever the seeding took, the engine's clock is the system clock plus a constant offset
// (fixed once, here): it runs at real speed, and lateness (sent − due) is real milliseconds.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { channelAdapter } from '../../src/channels/adapter.ts';
import { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { openStore } from '../../src/store/open-store.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    anchor: { type: 'string' },
    'window-ms': { type: 'string' },
    'lead-ms': { type: 'string', default: '1500' },
    'deadline-ms': { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
if (!values.db || !values.anchor || !values['window-ms']) throw new Error('usage: timers-worker.ts --db DB --anchor MS --window-ms MS');
const anchor = Number(values.anchor);
const windowMs = Number(values['window-ms']);
const leadMs = Number(values['lead-ms']);
// Give up this long after the last due instant (the run is reported as unfinished).
const deadlineMs = Number(values['deadline-ms'] ?? Math.max(30_000, windowMs * 4));

function status(field: string): number | null {
  const match = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : null;
}

const store = await openStore(values.db);
await store.migrate();
let offset = 0;
const engine = createEngine(store, { now: () => Date.now() + offset });
const errors: string[] = [];
const worker = new CampaignWorker(engine, channelAdapter, (error) => {
  if (errors.length < 5) errors.push((error as Error).stack ?? String(error));
});
// Warm the definitions cache and the connection before the window opens.
await worker.nextDueAt();

let session: Session | null = null;
if (values['cpu-prof']) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
}

offset = anchor - leadMs - Date.now();
const rssBefore = status('VmRSS');
// Wait for the window, then start as the server does.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, leadMs - 50)));
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
if (session) await session.post('Profiler.start');
worker.start();

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, status('VmRSS') ?? 0)), 250);
const end = anchor + windowMs;
let finished = false;
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const now = engine.clock.now();
  if (now >= end) {
    const next = await worker.nextDueAt();
    if (next === null) {
      finished = true;
      break;
    }
  }
  if (now > end + deadlineMs) break;
}
await worker.stop();
const wallSeconds = (performance.now() - wallStart) / 1000;
const cpu = process.cpuUsage(cpuStart);
clearInterval(sampler);
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(values['cpu-prof']!, JSON.stringify(profile));
  session.disconnect();
}
await store.close();
console.log(
  JSON.stringify({
    finished,
    wall_s: wallSeconds,
    cpu_cores: (cpu.user + cpu.system) / 1e6 / wallSeconds,
    rss_before_mib: rssBefore,
    peak_rss_mib: Math.max(peakRss, status('VmRSS') ?? 0),
    hwm_rss_mib: status('VmHWM'),
    offset_ms: offset,
    errors,
  }),
);
process.exit(0);
