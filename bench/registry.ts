import { inboundBenchmarks } from './inbound.ts';
import { ingestBenchmarks } from './ingest.ts';
import type { Benchmark } from './lib/types.ts';
import { simulateBenchmarks } from './simulate.ts';
import { timersBenchmarks, timersPostgres } from './timers.ts';

/**
 * Every benchmark `npm run bench` knows, in the order they run. A new one (B2 inbound, B3 timers,
 * B4 simulate) is a file exporting its `Benchmark`s (see bench/lib/types.ts) and a line here.
 */
export const BENCHMARKS: Benchmark[] = [
  ...ingestBenchmarks,
  ...inboundBenchmarks,
  ...timersBenchmarks,
  timersPostgres,
  ...simulateBenchmarks,
];

/** The benchmarks a command-line name selects: a benchmark's name or one of its groups (case-insensitive). */
export function selectBenchmarks(names: string[]): Benchmark[] {
  if (names.length === 0) return BENCHMARKS;
  const wanted = names.map((n) => n.toLowerCase());
  const unknown = wanted.filter((n) => !BENCHMARKS.some((b) => b.name.toLowerCase() === n || b.groups.includes(n)));
  if (unknown.length > 0) {
    const known = [...new Set(BENCHMARKS.flatMap((b) => [b.name, ...b.groups]))].join(', ');
    throw new Error(`unknown benchmark ${unknown.join(', ')} (known: ${known})`);
  }
  return BENCHMARKS.filter((b) => wanted.some((n) => b.name.toLowerCase() === n || b.groups.includes(n)));
}
