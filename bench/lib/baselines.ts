import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SQLITE_PRAGMAS } from '../../src/store/sqlite/pragmas.ts';
import type { Figures } from './types.ts';
import { node24, ROOT } from './server.ts';

/**
 * The raw-insert baselines run as child processes (bench/baseline-*.mjs) after the server has
 * stopped, so that they have the machine to themselves just as the server had.
 */

const BASELINE_DIR = join(ROOT, 'bench', '.baseline');
/** better-sqlite3 has no build for Node 24 here; it is compiled for the system Node. */
export const SYSTEM_NODE = process.env.BENCH_SYSTEM_NODE ?? '/usr/bin/node';

function betterSqliteLoads(): boolean {
  if (!existsSync(SYSTEM_NODE)) return false;
  const probe = spawnSync(
    SYSTEM_NODE,
    ['-e', `require(${JSON.stringify(join(BASELINE_DIR, 'node_modules', 'better-sqlite3'))})(':memory:').close()`],
    { stdio: 'ignore' },
  );
  return probe.status === 0;
}

/**
 * Makes sure better-sqlite3 loads under the system Node, installing it into bench/.baseline with
 * the system npm on first use (a native build: about two minutes, cached afterwards). With
 * `install: false` it only checks. Returns null when usable, else why not.
 */
export async function ensureBetterSqlite3(install: boolean, log: (line: string) => void): Promise<string | null> {
  if (!existsSync(SYSTEM_NODE)) return `no system Node at ${SYSTEM_NODE} (set BENCH_SYSTEM_NODE)`;
  if (betterSqliteLoads()) return null;
  if (!install) return 'better-sqlite3 is not installed in bench/.baseline (a full run installs it)';
  log(`installing better-sqlite3 into bench/.baseline for ${SYSTEM_NODE} (native build, ~2 min, once)…`);
  mkdirSync(BASELINE_DIR, { recursive: true });
  const systemBin = SYSTEM_NODE.slice(0, SYSTEM_NODE.lastIndexOf('/'));
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npm', ['install', '--prefix', BASELINE_DIR, 'better-sqlite3', '--no-audit', '--no-fund'], {
      cwd: BASELINE_DIR,
      env: { ...process.env, PATH: `${systemBin}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', resolve);
    child.on('error', () => resolve(-1));
  });
  if (code !== 0) return `npm install better-sqlite3 failed (exit ${code})`;
  return betterSqliteLoads() ? null : 'better-sqlite3 installed but does not load under the system Node';
}

/** Runs a baseline script and returns its JSON line. */
function runScript(nodeBinary: string, script: string, args: string[]): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary, [join(ROOT, 'bench', script), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Figures);
      else reject(new Error(`${script} ${args.join(' ')} failed (exit ${code}): ${err.slice(-2000)}`));
    });
  });
}

export function sqliteBaseline(
  driver: 'better-sqlite3' | 'node:sqlite',
  db: string,
  seconds: number,
  users: number,
): Promise<Figures> {
  const binary = driver === 'better-sqlite3' ? SYSTEM_NODE : node24();
  const pragmas = SQLITE_PRAGMAS.map((pragma) => pragma.replaceAll(' ', '')).join(',');
  return runScript(binary, 'baseline-sqlite.mjs', [
    '--driver',
    driver,
    '--db',
    db,
    '--seconds',
    String(seconds),
    '--users',
    String(users),
    '--batch',
    '75',
    '--pragma',
    pragmas,
  ]);
}

export function pgBaseline(url: string, seconds: number, connections: number, users: number): Promise<Figures> {
  return runScript(node24(), 'baseline-pg.mjs', [
    '--url',
    url,
    '--schema',
    'raw_baseline',
    '--seconds',
    String(seconds),
    '--connections',
    String(connections),
    '--users',
    String(users),
    '--batch',
    '75',
  ]);
}

/** Whether bench/.baseline holds bullmq and ioredis (B3's baseline). */
function bullmqInstalled(): boolean {
  return ['bullmq', 'ioredis'].every((name) => existsSync(join(BASELINE_DIR, 'node_modules', name, 'package.json')));
}

/**
 * B3's BullMQ baseline needs bullmq and ioredis. They are installed into bench/.baseline on first
 * use, not kept in the project's lock file: bullmq's native optional packages for other platforms
 * are not all on the registry reachable here, and `npm ci` refuses a lock file without them.
 * Returns null when ready, else why not.
 */
export async function ensureBullmq(install: boolean, log: (line: string) => void): Promise<string | null> {
  if (bullmqInstalled()) return null;
  if (!install) return 'bullmq is not installed in bench/.baseline (a full run installs it)';
  log('installing bullmq and ioredis into bench/.baseline (once)…');
  mkdirSync(BASELINE_DIR, { recursive: true });
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      'npm',
      ['install', '--prefix', BASELINE_DIR, 'bullmq@^6.7.0', 'ioredis@^6', '--no-audit', '--no-fund'],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', () => resolve(null));
    child.on('exit', resolve);
  });
  if (code !== 0) return `npm install bullmq failed (exit ${code})`;
  return bullmqInstalled() ? null : 'bullmq installed but not found in bench/.baseline';
}
