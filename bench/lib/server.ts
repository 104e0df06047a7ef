import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A Node 24 binary: this process's when it is one, else the one the `node` dependency installed. */
export function node24(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const bundled = join(ROOT, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(bundled)) return bundled;
  throw new Error(`Node 24 is needed (this is ${process.version}); run npm install`);
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  /** SQLite file path or postgres:// URL. */
  db: string;
  /** Write a V8 CPU profile of the server into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  adminKey: string;
  /** CPU seconds (user + system) the server process has used so far (Linux /proc). */
  cpuSeconds(): number | null;
  /** Resident set size now, MiB (Linux /proc). */
  rssMiB(): number | null;
  /** SIGTERM, wait for the graceful exit (SIGKILL after 15 s); returns the CPU profile path if one was written. */
  stop(): Promise<{ cpuProfile: string | null }>;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Starts `node bin/tidings.mjs start` as a child process on 127.0.0.1 and a free port, with a fresh
 * admin key and LOG_LEVEL=warn, and waits until /readyz answers 200.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const adminKey = `bench_${randomBytes(16).toString('hex')}`;
  const nodeArgs: string[] = [];
  if (options.cpuProfDir) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const startedAt = Date.now();
  const child: ChildProcess = spawn(
    node24(),
    [...nodeArgs, join(ROOT, 'bin', 'tidings.mjs'), 'start', '--host', '127.0.0.1', '--port', String(port), '--db', options.db],
    {
      cwd: ROOT,
      env: { ...process.env, TIDINGS_ADMIN_KEY: adminKey, LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: { code: number | null; signal: string | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid!;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`the server exited before it was ready (${JSON.stringify(exited)}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within 60 s:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  options.log?.(`server pid ${pid} ready on ${url} in ${Date.now() - startedAt} ms`);

  return {
    url,
    port,
    pid,
    adminKey,
    cpuSeconds() {
      const stat = readProc(pid, 'stat');
      if (!stat) return null;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    rssMiB() {
      const status = readProc(pid, 'status');
      const match = status && /VmRSS:\s+(\d+)\s+kB/.exec(status);
      return match ? Number(match[1]) / 1024 : null;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exit;
        clearTimeout(timer);
      }
      const done = exited as { code: number | null; signal: string | null } | null;
      if (done && done.code !== 0) options.log?.(`server exited with ${JSON.stringify(done)}; last output:\n${output}`);
      let cpuProfile: string | null = null;
      if (options.cpuProfDir) {
        const profiles = readdirSync(options.cpuProfDir)
          .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
          .map((f) => join(options.cpuProfDir!, f))
          .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
        cpuProfile = profiles[0] ?? null;
      }
      return { cpuProfile };
    },
  };
}
