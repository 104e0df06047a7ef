/** What `bench/run.ts` hands every benchmark. */
export interface BenchOptions {
  /** Measured seconds of load (after warm-up). */
  duration: number;
  /** Concurrent keep-alive connections of the load generator. */
  connections: number;
  /** Tiny sizes, for the test suite: a few seconds, few users, no slow installs. */
  smoke: boolean;
  /** Seconds of unrecorded load before measuring. */
  warmup: number;
  /** Override of the benchmark's data size (B1: seeded users). */
  users?: number;
  /** Seconds each raw-insert baseline runs (default: `duration`). */
  baselineDuration: number;
  /** Skip the baselines (faster iteration while profiling). */
  noBaseline: boolean;
  /** Run the server child under `node --cpu-prof`, write the profile and print its top functions. */
  cpuProf: boolean;
  /** Where profiles and other artefacts go. */
  resultsDir: string;
  /** Progress lines (to stderr). */
  log: (line: string) => void;
}

export type Figures = Record<string, number | string | boolean | null>;

/** One benchmark's outcome, as written to bench/results/latest.json (run.ts adds `machine`). */
export interface BenchResult {
  name: string;
  /** What was measured (numbers, plus a few descriptive values such as the store). */
  figures: Figures;
  /** The same-run baseline(s) the ratio is taken against. */
  baseline: Record<string, Figures | null>;
  /** Our headline figure ÷ the primary baseline's (null when there is no baseline). */
  ratio: number | null;
  /** The target from shared/spec/performance.md and whether it was met. */
  target?: Record<string, number | boolean | string | null>;
  /** Set when the benchmark could not run here (e.g. PostgreSQL unreachable). */
  skipped?: string;
  notes?: string[];
}

/**
 * A registered benchmark. `name` is its id in the spec (B1, B1-pg, …); `groups` are the other
 * names that select it on the command line (`npm run bench -- ingest` runs every benchmark in
 * group `ingest`).
 */
export interface Benchmark {
  name: string;
  groups: string[];
  description: string;
  /** The figures the summary table shows, in order (all of them are in the JSON). */
  headline: string[];
  /** The baseline figures the summary table shows (default `rows_per_s`). */
  baselineHeadline?: string[];
  run(options: BenchOptions): Promise<BenchResult>;
}
