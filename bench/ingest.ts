import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ensureBetterSqlite3, pgBaseline, sqliteBaseline } from './lib/baselines.ts';
import { percentile, round, runLoad, sendAll, type Target } from './lib/http-load.ts';
import {
  countPostgresEvents,
  createBenchDatabase,
  maskUrl,
  postgresSettings,
  postgresUnavailable,
} from './lib/postgres.ts';
import { profileNotes } from './lib/profile.ts';
import { machineJiffies, startServer, type RunningServer } from './lib/server.ts';
import type { Benchmark, BenchOptions, BenchResult, Figures } from './lib/types.ts';
import {
  ATTRIBUTES_PER_REQUEST,
  CATEGORIES,
  EVENT_NAMES,
  EVENTS_PER_REQUEST,
  hasItemErrors,
  loadBodies,
  seedBodies,
} from './lib/workload.ts';

/**
 * B1 / B1-pg, ingestion: the real server (`node bin/tidings.mjs start`) in a child process, a
 * fresh database, 100k users seeded through /users/track, then 16 keep-alive connections posting
 * 75 events + 10 attribute updates per request for the duration. Then, with the server stopped, the
 * raw-insert baselines on the same machine.
 */

/** The spec's workload: 50 active campaigns triggered by the 10 event names with property filters. */
export const ACTIVE_CAMPAIGNS = 50;

/**
 * The campaigns B1 runs under: five per event name, each with property filters on the event
 * (numbers, strings, booleans), an hour's delay, a purchase exception and daily re-eligibility,
 * so that triggers are matched, some users qualify (schedules are written in the same
 * transaction) and others are suppressed (already pending, not re-eligible).
 */
export function benchCampaigns(count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => {
    const event = EVENT_NAMES[i % EVENT_NAMES.length];
    const variant = Math.floor(i / EVENT_NAMES.length);
    const filters = [
      [{ property: 'cart_value', op: 'gte', value: 400 + variant * 10 }],
      [
        { property: 'category', op: 'eq', value: CATEGORIES[variant] },
        { property: 'quantity', op: 'gte', value: 4 },
      ],
      [
        { property: 'in_stock', op: 'eq', value: false },
        { property: 'cart_value', op: 'between', value: [100, 200] },
      ],
      [{ property: 'sku', op: 'starts_with', value: 'SKU-001' }],
      [
        { property: 'category', op: 'in', value: ['toys', 'books'] },
        { property: 'cart_value', op: 'lt', value: 50 },
      ],
    ][variant % 5];
    return {
      id: `bench-${String(i).padStart(2, '0')}`,
      name: `B1 campaign ${i} on ${event}`,
      status: 'active',
      trigger: { type: 'custom_event', event, filters },
      delay: { type: 'duration', seconds: 3600 },
      exceptions: [{ type: 'purchase' }],
      reeligibility: { after_seconds: 86_400 },
      message: {
        channel: 'bench-line',
        default: {
          type: 'text',
          text: `Hi {{ user.first_name | default: 'there' }}: ${event} ({{ event.properties.category }})`,
        },
      },
    };
  });
}

/** Sets up the campaigns through the real API (POST /v1/apply) before the load. */
export async function createCampaigns(target: Target, count: number): Promise<void> {
  if (count === 0) return;
  const response = await fetch(new URL('/v1/apply', target.url), {
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ channels: [{ id: 'bench-line', type: 'line' }], campaigns: benchCampaigns(count) }),
  });
  if (!response.ok) throw new Error(`B1 could not create its campaigns: ${response.status} ${await response.text()}`);
}

const TARGETS = {
  sqlite: { events_per_s: 100_000, p99_ms: 50 },
  postgres: { events_per_s: 30_000, p99_ms: null },
} as const;

type Backend = 'sqlite' | 'postgres';

interface Sized {
  users: number;
  distinctBodies: number;
  warmupMs: number;
}

function sizes(options: BenchOptions): Sized {
  return {
    users: options.users ?? (options.smoke ? 1_000 : 100_000),
    distinctBodies: options.smoke ? 16 : 512,
    warmupMs: options.warmup * 1000,
  };
}

interface Measured {
  figures: Figures;
  cpuProfile: string | null;
  eventsPerSecond: number;
  p99: number | null;
}

/** Seeds, loads and stops the server; returns B1's figures. */
async function measure(server: RunningServer, backend: Backend, options: BenchOptions, size: Sized): Promise<Measured> {
  const target: Target = {
    url: server.url,
    path: '/users/track',
    headers: { authorization: `Bearer ${server.adminKey}` },
  };
  const log = options.log;

  const seedStart = performance.now();
  await sendAll(target, seedBodies(size.users), options.connections, 201, hasItemErrors);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  log(`seeded ${size.users} users in ${seedSeconds.toFixed(1)} s (${Math.round(size.users / seedSeconds)}/s)`);

  await createCampaigns(target, ACTIVE_CAMPAIGNS);
  const bodies = loadBodies(size.distinctBodies, size.users);
  const bodyKiB = bodies.reduce((n, b) => n + b.length, 0) / bodies.length / 1024;

  log(`loading: ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s measured…`);
  let peakRss = server.rssMiB() ?? 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, server.rssMiB() ?? 0)), 250);
  type CpuMark = {
    wall: number;
    server: number | null;
    loadgen: NodeJS.CpuUsage;
    machine: ReturnType<typeof machineJiffies>;
  };
  let cpuAtWindowStart: CpuMark | null = null;
  let profiling: Promise<void> | null = null;
  const windowTimer = setTimeout(() => {
    cpuAtWindowStart = {
      wall: performance.now(),
      server: server.cpuSeconds(),
      loadgen: process.cpuUsage(),
      machine: machineJiffies(),
    };
    profiling = server.profiler?.start() ?? null;
  }, size.warmupMs);
  const result = await runLoad({
    target,
    bodies,
    connections: options.connections,
    warmupMs: size.warmupMs,
    durationMs: options.duration * 1000,
    okStatus: 201,
    itemErrors: hasItemErrors,
  });
  clearInterval(rssTimer);
  clearTimeout(windowTimer);
  const serverCpuEnd = server.cpuSeconds();
  const machineEnd = machineJiffies();
  const start = cpuAtWindowStart as CpuMark | null;
  const cpuWindow = start ? (performance.now() - start.wall) / 1000 : 0;
  const loadgenCpu = start ? process.cpuUsage(start.loadgen) : null;
  const machineBusy =
    start?.machine && machineEnd
      ? ((machineEnd.busy - start.machine.busy) / (machineEnd.total - start.machine.total)) * cpus().length
      : null;

  let cpuProfile: string | null = null;
  if (server.profiler && profiling) {
    await profiling;
    cpuProfile = join(
      options.resultsDir,
      'profiles',
      `${backend === 'sqlite' ? 'B1' : 'B1-pg'}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
    );
    await server.profiler.stop(cpuProfile);
  }
  await server.stop();
  const lat = result.latencies;
  const eventsPerSecond = (result.ok * EVENTS_PER_REQUEST) / result.seconds;
  const p99 = round(percentile(lat, 99), 2);
  const figures: Figures = {
    store: backend === 'sqlite' ? 'sqlite-wal' : 'postgresql',
    users: size.users,
    campaigns: ACTIVE_CAMPAIGNS,
    events_per_request: EVENTS_PER_REQUEST,
    attributes_per_request: ATTRIBUTES_PER_REQUEST,
    request_kib: round(bodyKiB, 1),
    connections: options.connections,
    duration_s: options.duration,
    events_per_s: Math.round(eventsPerSecond),
    requests_per_s: round(result.ok / result.seconds, 1),
    p50_ms: round(percentile(lat, 50), 2),
    p90_ms: round(percentile(lat, 90), 2),
    p99_ms: p99,
    max_ms: round(lat.length ? lat[lat.length - 1]! : null, 2),
    requests: lat.length,
    accepted: result.ok,
    errors: result.errors,
    item_errors: result.itemErrors,
    statuses: JSON.stringify(result.statuses),
    server_cpu_cores:
      start && start.server !== null && serverCpuEnd !== null
        ? round((serverCpuEnd - start.server) / cpuWindow, 2)
        : null,
    loadgen_cpu_cores: loadgenCpu ? round((loadgenCpu.user + loadgenCpu.system) / 1e6 / cpuWindow, 2) : null,
    machine_busy_cores: round(machineBusy, 2),
    server_peak_rss_mib: round(peakRss, 0),
    seed_s: round(seedSeconds, 1),
    seed_users_per_s: Math.round(size.users / seedSeconds),
  };
  if (result.firstError) figures.first_error = result.firstError;
  log(
    `B1${backend === 'postgres' ? '-pg' : ''}: ${figures.events_per_s} events/s, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, ${result.errors} errors`,
  );
  return { figures, cpuProfile, eventsPerSecond, p99 };
}

const campaignNote = `campaigns: ${ACTIVE_CAMPAIGNS} active, 5 per event name with property filters, 1 h delay (pending sends and timeline rows are written in the ingest transaction; the worker sends nothing during the run)`;

async function runSqlite(options: BenchOptions): Promise<BenchResult> {
  const size = sizes(options);
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-'));
  const notes: string[] = [campaignNote];
  try {
    const betterSqlite = options.noBaseline
      ? 'baselines skipped (--no-baseline)'
      : await ensureBetterSqlite3(!options.smoke, options.log);
    const db = join(dir, 'tidings.db');
    const server = await startServer({ db, inspect: options.cpuProf, log: options.log });
    let measured: Measured;
    try {
      measured = await measure(server, 'sqlite', options, size);
    } finally {
      await server.stop();
    }
    const check = new DatabaseSync(db, { readOnly: true });
    measured.figures.events_stored = Number(
      (check.prepare("SELECT count(*) AS n FROM events WHERE source = 'api'").get() as { n: number }).n,
    );
    check.close();
    notes.push(...profileNotes(measured.cpuProfile, options));

    const baseline: Record<string, Figures | null> = {};
    if (!options.noBaseline) {
      const seconds = options.baselineDuration;
      if (betterSqlite === null) {
        options.log(`baseline: better-sqlite3 raw insert for ${seconds} s…`);
        baseline['better-sqlite3'] = await sqliteBaseline(
          'better-sqlite3',
          join(dir, 'raw-better-sqlite3.db'),
          seconds,
          size.users,
        );
      } else {
        baseline['better-sqlite3'] = null;
        notes.push(`better-sqlite3 baseline not run: ${betterSqlite}`);
      }
      options.log(`baseline: node:sqlite raw insert for ${seconds} s…`);
      baseline['node:sqlite'] = await sqliteBaseline(
        'node:sqlite',
        join(dir, 'raw-node-sqlite.db'),
        seconds,
        size.users,
      );
    }
    const primary = baseline['better-sqlite3'] ?? baseline['node:sqlite'] ?? null;
    if (!baseline['better-sqlite3'] && primary)
      notes.push('ratio is against the node:sqlite baseline (better-sqlite3 unavailable)');
    const ratio = primary ? round(measured.eventsPerSecond / Number(primary.rows_per_s), 3) : null;
    if (primary) measured.figures.ratio_basis = baseline['better-sqlite3'] ? 'better-sqlite3' : 'node:sqlite';
    const t = TARGETS.sqlite;
    return {
      name: 'B1',
      figures: measured.figures,
      baseline,
      ratio,
      target: {
        events_per_s: t.events_per_s,
        p99_ms: t.p99_ms,
        met: measured.eventsPerSecond >= t.events_per_s && measured.p99 !== null && measured.p99 <= t.p99_ms,
      },
      notes,
    };
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else options.log(`kept ${dir}`);
  }
}

async function runPostgres(options: BenchOptions): Promise<BenchResult> {
  const unavailable = await postgresUnavailable();
  if (unavailable) {
    return { name: 'B1-pg', figures: {}, baseline: {}, ratio: null, skipped: unavailable, notes: [campaignNote] };
  }
  const size = sizes(options);
  const database = await createBenchDatabase();
  const notes: string[] = [campaignNote];
  options.log(`PostgreSQL database ${database.name} (${maskUrl(database.url)})`);
  try {
    const server = await startServer({ db: database.url, inspect: options.cpuProf, log: options.log });
    let measured: Measured;
    try {
      measured = await measure(server, 'postgres', options, size);
    } finally {
      await server.stop();
    }
    measured.figures.events_stored = await countPostgresEvents(database.url, 'api');
    const settings = await postgresSettings(database.url);
    measured.figures.pg_version = settings.server_version ?? null;
    measured.figures.pg_synchronous_commit = settings.synchronous_commit ?? null;
    notes.push(...profileNotes(measured.cpuProfile, options));

    const baseline: Record<string, Figures | null> = {};
    if (!options.noBaseline) {
      options.log(
        `baseline: raw pg multi-row insert, ${options.connections} connections, for ${options.baselineDuration} s…`,
      );
      baseline.pg = await pgBaseline(database.url, options.baselineDuration, options.connections, size.users);
    }
    const ratio = baseline.pg ? round(measured.eventsPerSecond / Number(baseline.pg.rows_per_s), 3) : null;
    if (baseline.pg) measured.figures.ratio_basis = 'pg';
    return {
      name: 'B1-pg',
      figures: measured.figures,
      baseline,
      ratio,
      target: {
        events_per_s: TARGETS.postgres.events_per_s,
        met: measured.eventsPerSecond >= TARGETS.postgres.events_per_s,
      },
      notes,
    };
  } finally {
    await database.drop().catch((error: Error) => options.log(`could not drop ${database.name}: ${error.message}`));
  }
}

export const ingestBenchmarks: Benchmark[] = [
  {
    name: 'B1',
    groups: ['ingest'],
    description: 'POST /users/track ingestion on SQLite (WAL): events/s, p50/p99; baseline raw better-sqlite3 insert',
    headline: ['events_per_s', 'p50_ms', 'p99_ms', 'errors'],
    run: runSqlite,
  },
  {
    name: 'B1-pg',
    groups: ['ingest'],
    description: 'POST /users/track ingestion on PostgreSQL: events/s, p50/p99; baseline raw pg multi-row insert',
    headline: ['events_per_s', 'p50_ms', 'p99_ms', 'errors'],
    run: runPostgres,
  },
];
