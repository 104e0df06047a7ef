import { readFileSync } from 'node:fs';
import { ROOT } from './server.ts';
import type { BenchOptions } from './types.ts';

/** Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went. */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  key: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time per function. */
  self: ProfileEntry[];
  /** Time per function including what it called (each sample counted once per function). */
  inclusive: ProfileEntry[];
  /** Self time per area: a src/ file, a node_modules package, node internals, GC, idle. */
  areas: ProfileEntry[];
}

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length + 1);
  return u;
}

function area(frame: CallFrame): string {
  const name = frame.functionName;
  if (!frame.url) {
    if (name === '(garbage collector)' || name === '(idle)' || name === '(program)' || name === '(root)') return name;
    // Native functions (node:sqlite's exec/run/all, crypto, …) have no script: one area each.
    return name ? `native ${name}()` : '(native/V8 builtins)';
  }
  const u = shortUrl(frame.url);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (pkg) return `npm:${pkg[1]}`;
  if (u.startsWith('node:')) return 'node internals';
  return u;
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} ${shortUrl(frame.url).replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(path: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (us <= 0) continue;
    total += us;
    const node = byId.get(profile.samples[i]!)!;
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = label(byId.get(id)!.callFrame);
      if (k === '(root)' || seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const rank = (map: Map<string, number>): ProfileEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => ({ key, ms: Math.round(us / 1000), percent: Number(((100 * us) / total).toFixed(1)) }));
  return { totalMs: Math.round(total / 1000), self: rank(self), inclusive: rank(inclusive), areas: rank(areas) };
}

export function formatProfile(summary: ProfileSummary): string {
  const section = (title: string, entries: ProfileEntry[]) =>
    [
      `${title}:`,
      ...entries.map((e) => `  ${e.percent.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(7)} ms  ${e.key}`),
    ].join('\n');
  return [
    `profile: ${summary.totalMs} ms sampled`,
    section('self time by area', summary.areas),
    section('self time by function', summary.self),
    section('inclusive time by function', summary.inclusive),
  ].join('\n\n');
}

/** Prints where the server's time went and returns it as result notes (none when no profile was asked for). */
export function profileNotes(path: string | null, options: BenchOptions): string[] {
  if (!path) return options.cpuProf ? ['--cpu-prof: no profile was recorded'] : [];
  const summary = summarizeProfile(path, 20);
  options.log(`\nCPU profile of the server: ${path}\n${formatProfile(summary)}\n`);
  return [
    `server CPU profile of the measured window: ${path} (the figures were measured under the profiler)`,
    ...summary.areas.slice(0, 10).map((e) => `profile area ${e.percent}% ${e.key}`),
    ...summary.self.slice(0, 15).map((e) => `profile self ${e.percent}% ${e.key}`),
  ];
}
