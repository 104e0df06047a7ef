import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Records a V8 CPU profile of another process over its inspector (started with
 * `--inspect=127.0.0.1:0`). Works while that process's event loop is busy: the inspector interrupts
 * running JavaScript to answer, so the profile can be stopped at a chosen instant even when the
 * process never yields (B3's worker draining a backlog).
 */
export interface RemoteProfiler {
  start(): Promise<void>;
  /** Stops and writes the profile (a .cpuprofile, as `node --cpu-prof` would) to `path`. */
  stop(path: string): Promise<void>;
  close(): void;
}

/** The inspector address a child printed on stderr (`Debugger listening on ws://…`), or null. */
export function inspectorAddress(stderr: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1] ?? null;
}

export async function connectRemoteProfiler(address: string): Promise<RemoteProfiler> {
  const socket = new WebSocket(address);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${address}`)), {
      once: true,
    });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener('message', (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 1000 });
  return {
    async start() {
      await call('Profiler.start');
    },
    async stop(path: string) {
      const result = (await call('Profiler.stop')) as { profile: unknown };
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(result.profile));
    },
    close() {
      if (socket.readyState === WebSocket.OPEN) socket.close();
    },
  };
}
