import { Agent, request } from 'node:http';

/**
 * A closed-loop HTTP load generator: `connections` workers, each with its own keep-alive socket,
 * each sending its next request as soon as the previous answer is read. Bodies are prepared
 * beforehand (so the generator spends its CPU on HTTP, not on building JSON) and taken in turn.
 */

export interface Target {
  url: string;
  path: string;
  headers: Record<string, string>;
}

export interface Reply {
  status: number;
  body: string;
}

/** Sends one request on `agent`, resolves with the status and the whole body. */
export function send(agent: Agent, target: Target, body: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${target.url}${target.path}`,
      {
        method: 'POST',
        agent,
        headers: { ...target.headers, 'content-type': 'application/json', 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface LoadOptions {
  target: Target;
  bodies: Buffer[];
  connections: number;
  /** Unrecorded load first, ms. */
  warmupMs: number;
  /** Recorded load, ms. */
  durationMs: number;
  /** The status that counts as accepted. */
  okStatus: number;
  /** Called on each accepted reply inside the window; returns true when the reply reports item errors. */
  itemErrors?: (body: string) => boolean;
}

export interface LoadResult {
  /** Seconds of the measured window. */
  seconds: number;
  /** Replies inside the window with `okStatus`. */
  ok: number;
  /** Replies inside the window with another status, plus failed requests. */
  errors: number;
  /** Accepted replies that still reported item errors. */
  itemErrors: number;
  /** Count per status (and `network` for failed requests) inside the window. */
  statuses: Record<string, number>;
  /** Latency of every request answered inside the window, ms, ascending. */
  latencies: Float64Array;
  /** First error message seen, for diagnostics. */
  firstError: string | null;
  /** Requests sent during warm-up. */
  warmupRequests: number;
}

/**
 * Runs the load. A request counts when its reply arrives inside [warm-up end, warm-up end +
 * duration]; its latency is from just before it is written to the end of the reply.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  let next = 0;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let itemErrors = 0;
  let warmupRequests = 0;
  let firstError: string | null = null;

  const record = (latency: number) => {
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = latency;
  };

  const worker = async () => {
    for (;;) {
      const began = performance.now();
      if (began >= windowEnd) return;
      const body = options.bodies[next++ % options.bodies.length]!;
      let reply: Reply | null = null;
      let failure: string | null = null;
      try {
        reply = await send(agent, options.target, body);
      } catch (error) {
        failure = (error as Error).message;
      }
      const ended = performance.now();
      if (ended < windowStart) {
        warmupRequests++;
        if (failure) await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (ended > windowEnd) return;
      record(ended - began);
      const key = reply ? String(reply.status) : 'network';
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (reply && reply.status === options.okStatus) {
        ok++;
        if (options.itemErrors?.(reply.body)) {
          itemErrors++;
          firstError ??= reply.body.slice(0, 500);
        }
      } else {
        errors++;
        firstError ??= failure ?? `${reply!.status} ${reply!.body.slice(0, 500)}`;
        if (failure) await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  await Promise.all(Array.from({ length: options.connections }, () => worker()));
  agent.destroy();
  const measured = latencies.slice(0, count).sort();
  return {
    seconds: options.durationMs / 1000,
    ok,
    errors,
    itemErrors,
    statuses,
    latencies: measured,
    firstError,
    warmupRequests,
  };
}

/** Sends every body once, `concurrency` at a time; throws on the first reply that is not `okStatus` or reports item errors. */
export async function sendAll(
  target: Target,
  bodies: Buffer[],
  concurrency: number,
  okStatus: number,
  itemErrors: (body: string) => boolean,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const reply = await send(agent, target, body);
      if (reply.status !== okStatus || itemErrors(reply.body))
        throw new Error(`seeding failed: ${reply.status} ${reply.body.slice(0, 500)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    agent.destroy();
  }
}

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? null;
}

export const round = (value: number | null, digits = 2): number | null =>
  value === null || !Number.isFinite(value) ? null : Number(value.toFixed(digits));
