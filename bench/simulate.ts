import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatProfile, summarizeProfile } from './lib/profile.ts';
import { node24, ROOT } from './lib/server.ts';
import type { Benchmark, BenchOptions, BenchResult, Figures } from './lib/types.ts';

/**
 * B4, simulate: a generated 30-day scenario (10,000 users in eight time zones, 20 campaigns, a
 * month of sessions) run by `runScenario`, the code behind `tidings simulate`, in a process of its
 * own (bench/lib/simulate-child.ts). The figure is the wall time of the simulation; generating the
 * scenario is timed apart and not counted.
 */

const SPEC = { users: 10_000, days: 30, campaigns: 20 } as const;
const TARGET_WALL_S = 5;
/** Sessions per user over the month, on average (each ~3 events). */
const SESSIONS_PER_USER = 3;

interface ChildReport {
  users: number;
  campaigns: number;
  steps: number;
  events: number;
  purchases: number;
  attribute_updates: number;
  generate_s: number;
  wall_s: number;
  cpu_s: number;
  lines: number;
  sent: number;
  campaigns_with_lines: number;
  distinct_instants: number;
  outcomes: Record<string, number>;
  peak_rss_mib: number;
}

function runChild(users: number, days: number, cpuProf: string | null): Promise<ChildReport> {
  const args = [
    join(ROOT, 'bench', 'lib', 'simulate-child.ts'),
    '--users',
    String(users),
    '--days',
    String(days),
    '--sessions',
    String(SESSIONS_PER_USER),
  ];
  if (cpuProf) args.push('--cpu-prof', cpuProf);
  return new Promise((resolve, reject) => {
    const child = spawn(node24(), args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-8000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as ChildReport);
      else reject(new Error(`simulate-child exited with ${code}: ${err}`));
    });
  });
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const users = options.users ?? (options.smoke ? 50 : SPEC.users);
  const days = SPEC.days;
  const notes: string[] = [
    'no baseline: the spec sets an absolute target for B4 and names no program to compare with (Braze has no offline simulator); `ratio` is null',
  ];
  if (users !== SPEC.users) notes.push(`${users} users instead of the spec's ${SPEC.users.toLocaleString('en-US')}`);
  let cpuProf: string | null = null;
  if (options.cpuProf) {
    mkdirSync(join(options.resultsDir, 'profiles'), { recursive: true });
    cpuProf = join(options.resultsDir, 'profiles', `B4-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  }
  options.log(`simulating ${days} days, ${users.toLocaleString('en-US')} users, ${SPEC.campaigns} campaigns…`);
  const report = await runChild(users, days, cpuProf);
  const figures: Figures = {
    wall_s: Number(report.wall_s.toFixed(2)),
    lines: report.lines,
    lines_per_s: Math.round(report.lines / report.wall_s),
    sent: report.sent,
    users: report.users,
    days,
    campaigns: report.campaigns,
    campaigns_with_lines: report.campaigns_with_lines,
    steps: report.steps,
    events: report.events,
    purchases: report.purchases,
    attribute_updates: report.attribute_updates,
    distinct_instants: report.distinct_instants,
    outcomes: JSON.stringify(report.outcomes),
    cpu_cores: Number((report.cpu_s / report.wall_s).toFixed(2)),
    peak_rss_mib: Math.round(report.peak_rss_mib),
    generate_s: Number(report.generate_s.toFixed(2)),
  };
  options.log(
    `B4: ${report.lines.toLocaleString('en-US')} lines in ${figures.wall_s} s (${report.steps} steps, ${report.events} events, ${report.sent} sent)`,
  );
  if (cpuProf) {
    const summary = summarizeProfile(cpuProf, 20);
    options.log(`\nCPU profile of the simulation: ${cpuProf}\n${formatProfile(summary)}\n`);
    notes.push(
      `CPU profile of the simulation: ${cpuProf} (the figures were measured under the profiler)`,
      ...summary.areas.slice(0, 10).map((e) => `profile area ${e.percent}% ${e.key}`),
      ...summary.self.slice(0, 15).map((e) => `profile self ${e.percent}% ${e.key}`),
      ...summary.inclusive.slice(0, 25).map((e) => `profile inclusive ${e.percent}% ${e.key}`),
    );
  }
  return {
    name: 'B4',
    figures,
    baseline: {},
    ratio: null,
    target: { wall_s: TARGET_WALL_S, met: report.wall_s <= TARGET_WALL_S },
    notes,
  };
}

export const simulateBenchmarks: Benchmark[] = [
  {
    name: 'B4',
    groups: ['simulate'],
    description: `simulate: a generated ${SPEC.days}-day scenario, ${SPEC.users.toLocaleString('en-US')} users, ${SPEC.campaigns} campaigns, through runScenario: wall time, lines`,
    headline: ['wall_s', 'lines', 'steps', 'events', 'sent'],
    run,
  },
];
