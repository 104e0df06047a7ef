import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { ensureBullmq } from './lib/baselines.ts';
import { latenessFigures, percentileOf, type LatenessFigures } from './lib/lateness.ts';
import { createBenchDatabase, maskUrl, postgresUnavailable } from './lib/postgres.ts';
import { FakeLine } from '../test/fakes/line.ts';
import { connectRemoteProfiler, inspectorAddress, type RemoteProfiler } from './lib/inspector.ts';
import { formatProfile, summarizeProfile } from './lib/profile.ts';
import { node24, procCpuSeconds, ROOT } from './lib/server.ts';
import { TIMERS_LINE_TOKEN, seedTimers } from './lib/timers-seed.ts';
import type { Benchmark, BenchOptions, BenchResult, Figures } from './lib/types.ts';

/**
 * B3, timers: 1,000,000 pending sends of a campaign with a delay, due evenly over 60 s, handled by
 * the server's campaign worker (claim the entry → send-time checks → render → outbox → deliver).
 * Seeded straight through the store; the worker runs in its own process (bench/lib/timers-worker.ts)
 * on the system clock, so its memory and CPU are its own. Lateness is read back from the database
 * afterwards: the sandbox row's `received_at` minus the message's `details.due_at`.
 *
 * Each send is a LINE push to the fake LINE server (test/fakes/line.ts) that this process runs on
 * loopback, as the BullMQ baseline makes one HTTP POST per job; BENCH_TIMERS_SANDBOX=1 delivers
 * into the sandbox table instead, without the HTTP call.
 */

/** The spec's workload: 1,000,000 sends due over 60 s. */
const SPEC_TIMERS = 1_000_000;
const SPEC_WINDOW_S = 60;
const OFFERED_PER_S = SPEC_TIMERS / SPEC_WINDOW_S;

const TARGET = { sends_per_s: 20_000, lateness_p99_ms: 1000, peak_rss_mib: 512 } as const;

/** How long after the worker process is ready the window opens. */
const LEAD_MS = 1500;
/** How long after the last due instant the worker is given to finish: 3 × the window, at least 30 s. */
const graceMs = (windowMs: number): number => Math.max(30_000, 3 * windowMs);

type Backend = 'sqlite' | 'postgres';

interface Sized {
  timers: number;
  users: number;
  windowS: number;
}

/**
 * `--duration S` (when given on the command line: run.ts's default of 30 is for the load benchmarks)
 * sets the window and scales the number of timers with it, keeping the spec's offered rate
 * (16,667 due per second); BENCH_TIMERS=N sets the number of timers outright. `--users N` spreads
 * them over N users (default: one user per timer).
 */
function sizes(options: BenchOptions): Sized {
  const explicitDuration = process.argv.some((a) => a === '--duration' || a.startsWith('--duration='));
  const windowS = explicitDuration ? options.duration : options.smoke ? 1 : SPEC_WINDOW_S;
  const fromEnv = Number(process.env.BENCH_TIMERS);
  const timers =
    Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : options.smoke ? 1_000 : Math.round(OFFERED_PER_S * windowS);
  return { timers, users: Math.min(options.users ?? timers, timers), windowS };
}

interface WorkerReport {
  /** False when the harness stopped it at the deadline with sends still to make. */
  finished: boolean;
  /** The worker's clock when it stopped. */
  stopped_at: number;
  wall_s: number;
  cpu_cores: number | null;
  peak_rss_mib: number | null;
  peak_rss_anon_mib: number | null;
  peak_rss_file_mib: number | null;
  errors: string[];
}

function procStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const match of readFileSync(`/proc/${pid}/status`, 'utf8').matchAll(
      /^(VmRSS|VmHWM|RssAnon|RssFile):\s+(\d+)\s+kB/gm,
    ))
      out[match[1]!] = Number(match[2]) / 1024;
  } catch {
    // gone
  }
  return out;
}

/**
 * Runs bench/lib/timers-worker.ts and follows it: samples its memory and CPU from /proc (it cannot
 * itself while it drains a backlog), records its CPU profile over the inspector, and stops it
 * `graceMs` after the last due instant if it has not finished by then.
 */
function runWorker(
  db: string,
  anchor: number,
  windowMs: number,
  leadMs: number,
  graceMs: number,
  cpuProf: string | null,
  log: (line: string) => void,
): Promise<WorkerReport> {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the worker, as for the B1/B2 server (e.g. --max-semi-space-size=16).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [
    ...(cpuProf ? ['--inspect=127.0.0.1:0'] : []),
    ...nodeArgs,
    join(ROOT, 'bench', 'lib', 'timers-worker.ts'),
    '--db',
    db,
    '--anchor',
    String(anchor),
    '--window-ms',
    String(windowMs),
    '--lead-ms',
    String(leadMs),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(node24(), args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // The fake LINE server listens on loopback.
      env: { ...process.env, NODE_ENV: 'production', TIDINGS_ALLOW_PRIVATE_NETWORK: '1' },
    });
    const pid = child.pid!;
    let err = '';
    let profiler: Promise<RemoteProfiler> | null = null;
    child.stdout!.on('data', () => {});
    child.stderr!.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-8000);
      const address = cpuProf && !profiler ? inspectorAddress(err) : null;
      if (address) profiler = connectRemoteProfiler(address);
    });
    let offset = 0;
    let cpuAtOpen: number | null = null;
    let wallAtOpen = 0;
    let cpuLast: number | null = null;
    const peak = { VmRSS: 0, VmHWM: 0, RssAnon: 0, RssFile: 0 };
    const sample = () => {
      const now = procStatus(pid);
      for (const key of Object.keys(peak) as Array<keyof typeof peak>) peak[key] = Math.max(peak[key], now[key] ?? 0);
      cpuLast = procCpuSeconds(pid) ?? cpuLast;
    };
    const sampler = setInterval(sample, 250);
    const timers: NodeJS.Timeout[] = [];
    let stopping: Promise<void> | null = null;
    const stopProfile = async () => {
      if (profiler && cpuProf) {
        const p = await profiler;
        await p.stop(cpuProf);
        p.close();
      }
    };
    let result: WorkerReport | null = null;
    child.on('message', (message: Record<string, unknown>) => {
      if (message.ready) {
        offset = Number(message.offset_ms);
        const opensAt = anchor - offset;
        log(
          `worker pid ${pid}: the window of ${windowMs / 1000} s opens in ${opensAt - Date.now()} ms; deadline ${(graceMs / 1000).toFixed(0)} s after it`,
        );
        timers.push(
          setTimeout(
            () => {
              cpuAtOpen = procCpuSeconds(pid);
              wallAtOpen = performance.now();
              void profiler?.then((p) => p.start());
            },
            Math.max(0, opensAt - Date.now()),
          ),
        );
        timers.push(
          setTimeout(
            () => {
              // Deadline: stop the profile, then the worker, wherever it is (committed sends stay committed).
              sample();
              const stoppedAt = Date.now() + offset;
              stopping = stopProfile().finally(() => {
                child.kill('SIGKILL');
                result = {
                  finished: false,
                  stopped_at: stoppedAt,
                  wall_s: (performance.now() - wallAtOpen) / 1000,
                  cpu_cores: null,
                  peak_rss_mib: null,
                  peak_rss_anon_mib: null,
                  peak_rss_file_mib: null,
                  errors: [],
                };
              });
            },
            Math.max(0, opensAt + windowMs + graceMs - Date.now()),
          ),
        );
      } else if (message.finished) {
        sample();
        result = {
          ...(message as unknown as WorkerReport),
          cpu_cores: null,
          peak_rss_mib: null,
          peak_rss_anon_mib: null,
          peak_rss_file_mib: null,
        };
        stopping = stopProfile().finally(() => child.send('exit'));
      }
    });
    child.on('error', reject);
    child.on('exit', async (code) => {
      clearInterval(sampler);
      for (const t of timers) clearTimeout(t);
      await stopping;
      if (!result) return reject(new Error(`timers-worker exited with ${code}: ${err}`));
      const r = result as WorkerReport;
      const wall = r.finished ? r.wall_s : (performance.now() - wallAtOpen) / 1000;
      r.wall_s = wall;
      r.cpu_cores = cpuAtOpen !== null && cpuLast !== null ? (cpuLast - cpuAtOpen) / wall : r.cpu_cores;
      r.peak_rss_mib = Math.max(peak.VmRSS, peak.VmHWM);
      r.peak_rss_anon_mib = peak.RssAnon;
      r.peak_rss_file_mib = peak.RssFile;
      resolve(r);
    });
  });
}

interface Outcomes {
  due: Float64Array;
  sent: Float64Array;
  timeline: Record<string, number>;
  pending: number;
  messagesNotSent: number;
  /** Due instants of the sends that did not go (still pending, or a message not yet sent). */
  unsentDue: Float64Array;
}

/** Reads what happened back from the database: per sandbox row its due and arrival instants, and the timeline outcomes. */
async function readOutcomes(backend: Backend, db: string): Promise<Outcomes> {
  type Pair = { r: number | string; d: string };
  type Count = { k: string; n: number | string };
  // A sent message's updated_at is when its send was recorded: the push's answer, or the sandbox delivery.
  const pairsSql = (extract: string) =>
    `SELECT m.updated_at AS r, ${extract} AS d FROM messages m WHERE m.state = 'sent'`;
  const timelineSql = "SELECT outcome || coalesce(':' || reason, '') AS k, count(*) AS n FROM timeline GROUP BY 1";
  const pendingSql = "SELECT count(*) AS n FROM journey_entries WHERE state = 'pending'";
  const unsentSql = "SELECT count(*) AS n FROM messages WHERE state <> 'sent'";
  const unsentDueSql = (extract: string) =>
    `SELECT CAST(due_at AS TEXT) AS d FROM journey_entries WHERE state = 'pending' UNION ALL SELECT ${extract} AS d FROM messages m WHERE state <> 'sent'`;
  const dueArray = (rows: Iterable<{ d: number | string }>) =>
    Float64Array.from(rows, (row) =>
      typeof row.d === 'string' && !/^\d+$/.test(row.d) ? Date.parse(row.d) : Number(row.d),
    );
  const collect = (rows: Iterable<Pair>, count: number) => {
    const due = new Float64Array(count);
    const sent = new Float64Array(count);
    let i = 0;
    for (const row of rows) {
      due[i] = Date.parse(row.d);
      sent[i] = Number(row.r);
      i++;
    }
    return { due: due.subarray(0, i), sent: sent.subarray(0, i) };
  };
  if (backend === 'sqlite') {
    const handle = new DatabaseSync(db, { readOnly: true });
    try {
      const count = Number(
        (handle.prepare("SELECT count(*) AS n FROM messages WHERE state = 'sent'").get() as { n: number }).n,
      );
      const pairs = collect(
        handle.prepare(pairsSql("json_extract(m.details, '$.due_at')")).iterate() as Iterable<Pair>,
        count,
      );
      const timeline = Object.fromEntries(
        (handle.prepare(timelineSql).all() as Count[]).map((r) => [r.k, Number(r.n)]),
      );
      const pending = Number((handle.prepare(pendingSql).get() as { n: number }).n);
      const messagesNotSent = Number((handle.prepare(unsentSql).get() as { n: number }).n);
      const unsentDue = dueArray(
        handle.prepare(unsentDueSql("json_extract(m.details, '$.due_at')")).iterate() as Iterable<{
          d: number | string;
        }>,
      );
      return { ...pairs, timeline, pending, messagesNotSent, unsentDue };
    } finally {
      handle.close();
    }
  }
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    const { rows } = await client.query<Pair>(pairsSql("m.details->>'due_at'"));
    const pairs = collect(rows, rows.length);
    const timeline = Object.fromEntries((await client.query<Count>(timelineSql)).rows.map((r) => [r.k, Number(r.n)]));
    const pending = Number((await client.query<{ n: string }>(pendingSql)).rows[0]!.n);
    const messagesNotSent = Number((await client.query<{ n: string }>(unsentSql)).rows[0]!.n);
    const unsentDue = dueArray((await client.query<{ d: string }>(unsentDueSql("m.details->>'due_at'"))).rows);
    return { ...pairs, timeline, pending, messagesNotSent, unsentDue };
  } finally {
    await client.end();
  }
}

/** bench/baseline-bullmq.mjs: the same due times as BullMQ delayed jobs on the local Redis, one HTTP POST each. */
function bullmqBaseline(
  timers: number,
  windowMs: number,
  smoke: boolean,
  log: (line: string) => void,
): Promise<Figures> {
  const args = [
    join(ROOT, 'bench', 'baseline-bullmq.mjs'),
    '--jobs',
    String(timers),
    '--window-ms',
    String(windowMs),
    '--margin-ms',
    smoke ? '300' : '2000',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(node24(), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      const text = c.toString();
      err = (err + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) log(`  bullmq: ${line.trim()}`);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Figures);
      else reject(new Error(`baseline-bullmq.mjs exited with ${code}: ${err}`));
    });
  });
}

const httpNote =
  "each send is a LINE push (HTTP, X-Line-Retry-Key) to the fake LINE server of test/fakes/line.ts, run by the harness on loopback; lateness is the message's recorded send time − its due time";
const sandboxNote =
  "BENCH_TIMERS_SANDBOX=1: the channel is a sandbox channel, so sends are delivered into the sandbox table in the scheduler's transaction, without an HTTP call (the BullMQ baseline does make one)";

async function run(options: BenchOptions, backend: Backend): Promise<BenchResult> {
  const name = backend === 'sqlite' ? 'B3' : 'B3-pg';
  const inSandbox = process.env.BENCH_TIMERS_SANDBOX === '1';
  const notes: string[] = [inSandbox ? sandboxNote : httpNote];
  if (backend === 'postgres') {
    const unavailable = await postgresUnavailable();
    if (unavailable) return { name, figures: {}, baseline: {}, ratio: null, skipped: unavailable, notes };
  }
  const size = sizes(options);
  const windowMs = size.windowS * 1000;
  const log = options.log;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-timers-'));
  const line = new FakeLine({ token: TIMERS_LINE_TOKEN, keepRequests: false });
  let lineUrl: string | null = null;
  const database = backend === 'postgres' ? await createBenchDatabase() : null;
  const db = database ? database.url : join(dir, 'timers.db');
  if (database) log(`PostgreSQL database ${database.name} (${maskUrl(database.url)})`);
  try {
    // The seeded instants are in the worker's clock, which it shifts so that the window opens just after it is ready.
    const anchor = Date.now() + 3_600_000;
    log(
      `seeding ${size.timers.toLocaleString('en-US')} pending sends for ${size.users.toLocaleString('en-US')} users, due over ${size.windowS} s…`,
    );
    const seedStart = performance.now();
    if (!inSandbox) log(`fake LINE server at ${(lineUrl = await line.start())}`);
    const seed = await seedTimers({ db, timers: size.timers, users: size.users, anchor, windowMs, log, lineUrl });
    if (backend === 'sqlite') {
      const handle = new DatabaseSync(db);
      handle.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      handle.close();
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;

    let cpuProf: string | null = null;
    if (options.cpuProf) {
      mkdirSync(join(options.resultsDir, 'profiles'), { recursive: true });
      cpuProf = join(
        options.resultsDir,
        'profiles',
        `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
      );
    }
    const worker = await runWorker(
      db,
      anchor,
      windowMs,
      options.smoke ? 300 : LEAD_MS,
      graceMs(windowMs),
      cpuProf,
      log,
    );
    for (const error of worker.errors) notes.push(`worker error: ${error.split('\n')[0]}`);
    if (!worker.finished)
      notes.push(
        `the worker had not finished ${graceMs(windowMs) / 1000} s after the last due instant and was stopped there: the lateness percentiles cover the sends it made; see unsent and *_at_least_ms`,
      );
    const outcomes = await readOutcomes(backend, db);
    const measured: LatenessFigures = latenessFigures(outcomes.due, outcomes.sent, anchor);
    // When the worker gave up, the sends that did not go are at least (stop − due) late: counting
    // them so gives lower bounds of the percentiles over the whole workload.
    const unsent = outcomes.unsentDue.length;
    const atLeast: Figures = {};
    if (unsent > 0) {
      const all = new Float64Array(outcomes.sent.length + unsent);
      all.set(outcomes.sent.map((sent, i) => sent - outcomes.due[i]!));
      all.set(
        outcomes.unsentDue.map((due) => worker.stopped_at - due),
        outcomes.sent.length,
      );
      all.sort();
      atLeast.lateness_p50_at_least_ms = Math.round(percentileOf(all, 50) ?? 0);
      atLeast.lateness_p99_at_least_ms = Math.round(percentileOf(all, 99) ?? 0);
      notes.push(
        `${unsent.toLocaleString('en-US')} sends had not gone when the worker stopped; lateness_p50/p99_at_least_ms count them as (stop − due), lower bounds over the whole workload`,
      );
    }
    const figures: Figures = {
      store: backend === 'sqlite' ? 'sqlite-wal' : 'postgresql',
      delivery: inSandbox ? 'sandbox' : 'line-push',
      line_pushes_accepted: inSandbox ? null : line.accepted,
      timers: size.timers,
      users: size.users,
      window_s: size.windowS,
      offered_per_s: Math.round(size.timers / size.windowS),
      ...measured,
      unsent,
      ...atLeast,
      suppressed: Object.entries(outcomes.timeline)
        .filter(([k]) => k.startsWith('suppressed'))
        .reduce((n, [, v]) => n + v, 0),
      pending_left: outcomes.pending,
      messages_not_sent: outcomes.messagesNotSent,
      timeline: JSON.stringify(outcomes.timeline),
      finished: worker.finished,
      worker_wall_s: Number(worker.wall_s.toFixed(1)),
      worker_cpu_cores: worker.cpu_cores === null ? null : Number(worker.cpu_cores.toFixed(2)),
      worker_peak_rss_mib: Math.round(worker.peak_rss_mib ?? 0),
      worker_peak_rss_anon_mib: Math.round(worker.peak_rss_anon_mib ?? 0),
      worker_peak_rss_file_mib: Math.round(worker.peak_rss_file_mib ?? 0),
      seed_s: Number(seedSeconds.toFixed(1)),
      seed_users_s: Number(seed.users_s.toFixed(1)),
      seed_entries_s: Number(seed.entries_s.toFixed(1)),
    };
    log(
      `${name}: ${measured.sent} sent, ${measured.sends_per_s} sends/s (drain ${measured.drain_sends_per_s ?? '–'}/s), lateness p50 ${measured.lateness_p50_ms} ms p99 ${measured.lateness_p99_ms} ms, peak RSS ${figures.worker_peak_rss_mib} MiB`,
    );

    if (cpuProf) {
      const summary = summarizeProfile(cpuProf, 20);
      log(`\nCPU profile of the worker: ${cpuProf}\n${formatProfile(summary)}\n`);
      notes.push(
        `worker CPU profile of the window: ${cpuProf} (the figures were measured under the profiler)`,
        ...summary.areas.slice(0, 10).map((e) => `profile area ${e.percent}% ${e.key}`),
        ...summary.self.slice(0, 15).map((e) => `profile self ${e.percent}% ${e.key}`),
      );
    }

    const baseline: Record<string, Figures | null> = {};
    let ratio: number | null = null;
    if (!options.noBaseline) {
      log(
        `baseline: BullMQ, ${size.timers.toLocaleString('en-US')} delayed jobs over ${size.windowS} s, one HTTP POST each…`,
      );
      const missing = await ensureBullmq(!options.smoke, log);
      const bull = missing ? { skipped: missing } : await bullmqBaseline(size.timers, windowMs, options.smoke, log);
      if (bull.skipped) {
        baseline.bullmq = null;
        notes.push(`BullMQ baseline not run: ${bull.skipped}`);
      } else {
        baseline.bullmq = bull;
        if (typeof bull.sends_per_s === 'number' && bull.sends_per_s > 0 && measured.sends_per_s) {
          ratio = Number((measured.sends_per_s / bull.sends_per_s).toFixed(3));
          figures.ratio_basis = 'bullmq sends_per_s';
        }
      }
    }
    const rss = figures.worker_peak_rss_mib as number;
    const p99 = measured.lateness_p99_ms;
    const allSent = measured.sent === size.timers;
    return {
      name,
      figures,
      baseline,
      ratio,
      target: {
        sends_per_s: TARGET.sends_per_s,
        lateness_p99_ms: TARGET.lateness_p99_ms,
        peak_rss_mib: TARGET.peak_rss_mib,
        // The workload offers 16,667 sends/s: a worker that never falls behind cannot show 20,000.
        met:
          allSent &&
          (measured.drain_sends_per_s === null || measured.drain_sends_per_s >= TARGET.sends_per_s) &&
          p99 !== null &&
          p99 <= TARGET.lateness_p99_ms &&
          rss <= TARGET.peak_rss_mib,
      },
      notes,
    };
  } finally {
    await line.stop();
    if (database)
      await database.drop().catch((error: Error) => log(`could not drop ${database.name}: ${error.message}`));
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

export const timersBenchmarks: Benchmark[] = [
  {
    name: 'B3',
    groups: ['timers'],
    description: `timers: ${SPEC_TIMERS.toLocaleString('en-US')} pending sends due over ${SPEC_WINDOW_S} s on SQLite (WAL), the campaign worker: sends/s, lateness p50/p99, peak RSS; baseline BullMQ delayed jobs`,
    headline: ['sends_per_s', 'lateness_p50_ms', 'lateness_p99_ms', 'worker_peak_rss_mib'],
    baselineHeadline: ['sends_per_s', 'lateness_p99_ms'],
    run: (options) => run(options, 'sqlite'),
  },
];

/**
 * B3 on PostgreSQL (`BENCH_DATABASE_URL`), the same workload and the same worker code, with
 * `FOR UPDATE SKIP LOCKED` claims. Its own group, so `-- timers` stays the spec's B3.
 */
export const timersPostgres: Benchmark = {
  name: 'B3-pg',
  groups: ['timers-pg'],
  description: 'timers on PostgreSQL: the same workload',
  headline: ['sends_per_s', 'lateness_p50_ms', 'lateness_p99_ms', 'worker_peak_rss_mib'],
  baselineHeadline: ['sends_per_s', 'lateness_p99_ms'],
  run: (options) => run(options, 'postgres'),
};
