import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';

/**
 * `npx tidings` and `npm start` run `bin/tidings.mjs` on the system's Node; older than 24, it
 * starts the server as a child on the Node 24 of the `node` package. A supervisor only knows the
 * launcher: stopping it must stop the server.
 */
const SYSTEM_NODE = '/usr/bin/node';
const systemMajor = existsSync(SYSTEM_NODE)
  ? Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]']).stdout.toString().trim())
  : 0;
const BIN = fileURLToPath(new URL('../../bin/tidings.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Our environment without what npm put there (vitest may run under npx): these launches are not npm's. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));

const started: number[] = [];
afterEach(() => {
  // Whatever a failing test left running is ours: end it by pid.
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** Running, and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every process under `pid`, at any depth. */
function descendantsOf(pid: number): number[] {
  const children = childrenOf(pid);
  return [...children, ...children.flatMap(descendantsOf)];
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      /* it ended while we looked */
    }
  }
  return children;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until `check` holds or the deadline passes; returns whether it held. */
async function eventually(check: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * `tidings start` through the launcher on the system Node (or `command`, e.g. npm), until it
 * listens: the launcher, the server's pid (the process under it that serves), its port.
 */
async function launch(command: string[] = [BIN]): Promise<{ launcher: ChildProcess; server: number; port: number }> {
  const db = join(mkdtempSync(join(tmpdir(), 'tidings-launcher-')), 'tidings.db');
  const launcher = spawn(SYSTEM_NODE, [...command, 'start', '--port', '0', '--host', '127.0.0.1', '--db', db], {
    cwd: ROOT,
    env: { ...ENV, LOG_LEVEL: 'warn', TIDINGS_ADMIN_KEY: 'launcher-key' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(launcher.pid!);
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    launcher.stdout!.on('data', onData);
    launcher.stderr!.on('data', onData);
    launcher.once('exit', (code) => reject(new Error(`the launcher exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`no server listening within 15 s:\n${output}`)), 15_000).unref();
  });
  const servers = descendantsOf(launcher.pid!).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(db);
    } catch {
      return false;
    }
  });
  const server = servers[servers.length - 1]!;
  expect(server).toBeGreaterThan(0);
  started.push(server);
  expect(alive(server)).toBe(true);
  return { launcher, server, port };
}

describe.skipIf(systemMajor === 0 || systemMajor >= 24)(`the launcher on the system Node (${systemMajor})`, () => {
  test.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the launcher stops the server, and the launcher exits with its status',
    async (signal) => {
      const { launcher, server, port } = await launch();
      expect(await portOpen(port)).toBe(true);
      launcher.kill(signal);
      const ended = await exited(launcher);
      expect(await eventually(async () => !alive(server) && !(await portOpen(port)))).toBe(true);
      // The server shuts down gracefully and exits 0; the launcher passes that on.
      expect(ended).toEqual({ code: 0, signal: null });
    },
  );

  test('npx (npm exec) runs it through a shell that gets the SIGTERM: the server stops with it', async () => {
    // npm forwards the signal to its `sh -c` only; the server notices its shell is gone.
    const { launcher, server, port } = await launch([
      realpathSync('/usr/bin/npm'),
      'exec',
      '--offline',
      '--',
      'node',
      BIN,
    ]);
    expect(await portOpen(port)).toBe(true);
    launcher.kill('SIGTERM');
    expect(await eventually(async () => !alive(server) && !(await portOpen(port)))).toBe(true);
    expect((await exited(launcher)).signal).toBe('SIGTERM');
  });

  test('a server killed by a signal ends the launcher by the same signal', async () => {
    const { launcher, server } = await launch();
    process.kill(server, 'SIGKILL');
    expect(await exited(launcher)).toEqual({ code: null, signal: 'SIGKILL' });
  });
});

describe.skipIf(systemMajor === 0)('ensure-installed', () => {
  test('SIGTERM during the install stops `npm ci` and records no install', async () => {
    // A copy of the scripts in an empty project, with an `npm` that only waits.
    const root = mkdtempSync(join(tmpdir(), 'tidings-install-'));
    mkdirSync(join(root, 'scripts'));
    mkdirSync(join(root, 'bin'));
    for (const file of ['ensure-installed.mjs', 'forward-signals.mjs'])
      copyFileSync(join(SCRIPTS, file), join(root, 'scripts', file));
    writeFileSync(join(root, 'package-lock.json'), '{}');
    const npmPid = join(root, 'npm.pid');
    writeFileSync(join(root, 'bin', 'npm'), `#!/bin/sh\necho $$ > '${npmPid}'\nexec sleep 30\n`);
    chmodSync(join(root, 'bin', 'npm'), 0o755);
    const script = spawn(SYSTEM_NODE, [join(root, 'scripts', 'ensure-installed.mjs')], {
      env: { ...ENV, PATH: `${join(root, 'bin')}:/usr/bin:/bin` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(script.pid!);
    expect(await eventually(() => existsSync(npmPid) && readFileSync(npmPid, 'utf8').endsWith('\n'))).toBe(true);
    const npm = Number(readFileSync(npmPid, 'utf8'));
    started.push(npm);
    expect(alive(npm)).toBe(true);
    script.kill('SIGTERM');
    expect(await exited(script)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await eventually(() => !alive(npm))).toBe(true);
    expect(existsSync(join(root, 'node_modules', '.tidings-installed'))).toBe(false);
  });
});
