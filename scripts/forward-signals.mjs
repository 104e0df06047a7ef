// Runs a child process in our place: with our stdio, passing on the signals that a supervisor
// (systemd, Docker, a process manager) or a terminal sends to us, so that stopping this process
// stops the child. Plain JavaScript with no dependency: `ensure-installed.mjs` uses it before
// anything is installed (see docs/decisions.md, "The launcher's signals").
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Spawns `command`, forwards SIGINT, SIGTERM and SIGHUP to it while it runs, and resolves with
 * how it ended: `{code, signal, error}` (`error` when it could not be started).
 */
export function runForwardingSignals(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    const forward = (signal) => {
      child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    const done = (result) => {
      for (const signal of FORWARDED) process.off(signal, forward);
      resolve(result);
    };
    child.once('error', (error) => done({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => done({ code, signal, error: null }));
  });
}

/**
 * Ends this process the way the child ended: with its exit status, or killed by the same signal
 * (our handlers are gone by then, so the signal's default action applies).
 */
export function exitLike({ code, signal }) {
  if (signal) {
    process.kill(process.pid, signal);
    // Only reached if the signal did not end us (it is ignored here): the shell's convention.
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 1_000);
    return;
  }
  process.exit(code ?? 1);
}

/**
 * npm runs scripts (`npm start`) and `npx` commands through `sh -c`, and forwards SIGINT and
 * SIGTERM to that shell only; dash does not exec the command, so the shell dies and leaves us
 * running. When npm started us, our parent shell ending before us can only be such a stop: it is
 * taken as SIGTERM (checked every 250 ms).
 */
export function stopWhenNpmShellEnds(env = process.env) {
  if (!env.npm_command) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  timer.unref();
}
