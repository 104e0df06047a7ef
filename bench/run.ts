// `npm run bench [-- NAME… ] [--duration S] [--connections N] [--smoke] …`: runs the benchmarks of
// shared/spec/performance.md, prints a table and writes bench/results/latest.json. See
// docs/benchmarks.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/server.ts';
import type { BenchOptions, BenchResult, Figures } from './lib/types.ts';
import { BENCHMARKS, selectBenchmarks } from './registry.ts';

const USAGE = `usage: npm run bench [-- [NAME…] [options]]

NAME is a benchmark (${BENCHMARKS.map((b) => b.name).join(', ')}) or a group (${[...new Set(BENCHMARKS.flatMap((b) => b.groups))].join(', ')}); none = all.

  --duration S            measured seconds per benchmark (default 30; --smoke: 2)
  --connections N         concurrent keep-alive connections (default 16; --smoke: 2)
  --warmup S              unrecorded seconds of load before measuring (default 3; --smoke: 0.5)
  --users N               seeded users (default 100000; --smoke: 1000)
  --baseline-duration S   seconds per raw-insert baseline (default: --duration; --smoke: 1)
  --no-baseline           skip the baselines
  --cpu-prof              record a CPU profile of the server over the measured window (via the inspector),
                          save it under bench/results/profiles/ and print where the time went
  --smoke                 tiny sizes, for the test suite (never installs better-sqlite3)
  --out FILE              results file (default bench/results/latest.json; --smoke: bench/results/smoke.json)
  --list                  list the benchmarks and exit`;

export interface Machine {
  cpu_model: string;
  cpus: number;
  memory_gib: number;
  node: string;
  os: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu_model: list[0]?.model ?? 'unknown',
    cpus: list.length,
    memory_gib: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
  };
}

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got '${value}'`);
  return n;
}

const show = (value: unknown): string => {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return String(value);
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r, n) => {
      const line = r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

function summaryTable(results: Array<BenchResult & { headline: string[]; baselineHeadline: string[] }>): string {
  const rows = [['benchmark', 'figures', 'baselines', 'ratio', 'target']];
  for (const r of results) {
    if (r.skipped) {
      rows.push([r.name, `skipped: ${r.skipped}`, '', '', '']);
      continue;
    }
    const figures = r.headline.map((k) => `${k} ${show(r.figures[k])}`).join(', ');
    const baselines = Object.entries(r.baseline)
      .map(
        ([name, b]: [string, Figures | null]) =>
          `${name} ${b ? r.baselineHeadline.map((k) => `${k} ${show(b[k])}`).join(', ') : 'not run'}`,
      )
      .join(', ');
    const target = r.target
      ? `${Object.entries(r.target)
          .filter(([k]) => k !== 'met')
          .map(([k, v]) => `${k} ${show(v)}`)
          .join(', ')}: ${r.target.met ? 'met' : 'MISSED'}`
      : '';
    rows.push([r.name, figures, baselines || '–', show(r.ratio), target]);
  }
  return table(rows);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      users: { type: 'string' },
      'baseline-duration': { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(8)} [${b.groups.join(', ')}]  ${b.description}`);
    return 0;
  }
  const smoke = values.smoke;
  const duration = number(values.duration, 'duration', smoke ? 2 : 30);
  const resultsDir = join(ROOT, 'bench', 'results');
  const options: BenchOptions = {
    duration,
    connections: Math.round(number(values.connections, 'connections', smoke ? 2 : 16)),
    warmup: values.warmup === '0' ? 0 : number(values.warmup, 'warmup', smoke ? 0.5 : 3),
    users: values.users === undefined ? undefined : Math.round(number(values.users, 'users', 0)),
    smoke,
    baselineDuration: number(values['baseline-duration'], 'baseline-duration', smoke ? 1 : duration),
    noBaseline: values['no-baseline'],
    cpuProf: values['cpu-prof'],
    resultsDir,
    log: (line) => console.error(`[bench] ${line}`),
  };
  const selected = selectBenchmarks(positionals);
  const out = resolve(values.out ?? join(resultsDir, smoke ? 'smoke.json' : 'latest.json'));
  const host = machine();
  options.log(`machine: ${host.cpus} × ${host.cpu_model}, ${host.memory_gib} GiB, ${host.os}, Node ${host.node}`);

  const results: Array<
    BenchResult & { headline: string[]; baselineHeadline: string[]; machine: Machine; date: string }
  > = [];
  let failed = false;
  for (const benchmark of selected) {
    options.log(`── ${benchmark.name}: ${benchmark.description}`);
    const date = new Date().toISOString();
    let result: BenchResult;
    try {
      result = await benchmark.run(options);
    } catch (error) {
      failed = true;
      const message = (error as Error).stack ?? String(error);
      options.log(`${benchmark.name} failed: ${message}`);
      result = {
        name: benchmark.name,
        figures: {},
        baseline: {},
        ratio: null,
        skipped: `failed: ${(error as Error).message}`,
      };
    }
    results.push({
      ...result,
      headline: benchmark.headline,
      baselineHeadline: benchmark.baselineHeadline ?? ['rows_per_s'],
      machine: host,
      date,
    });
  }

  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      results.map(({ headline: _h, baselineHeadline: _b, ...r }) => r),
      null,
      2,
    )}\n`,
  );
  console.log(`\n${summaryTable(results)}\n`);
  for (const r of results)
    for (const note of r.notes ?? []) if (!note.startsWith('profile ')) console.log(`${r.name}: ${note}`);
  console.log(`\nresults: ${out}`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    console.error(USAGE);
    process.exit(2);
  },
);
