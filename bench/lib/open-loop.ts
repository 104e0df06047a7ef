/**
 * An open-loop load: request `i` is started at `start + i / rate` whether or not the earlier ones
 * were answered, as a provider's webhooks arrive. (bench/lib/http-load.ts is closed-loop: each
 * connection waits for its answer, which hides queueing from the latencies.)
 */

export interface OpenLoopOptions {
  /** Requests started per second. */
  rate: number;
  /** Unrecorded load first, ms. */
  warmupMs: number;
  /** Recorded load, ms. */
  durationMs: number;
  /** Starts request `i`; `measured` says whether it falls in the recorded window. Resolves when it is answered. */
  fire(i: number, measured: boolean): Promise<void>;
}

export interface OpenLoopResult {
  /** Requests started in the recorded window. */
  measured: number;
  /** Requests started in all. */
  started: number;
  /** The largest delay between a request's planned start and its actual start, ms (the generator falling behind). */
  maxStartLagMs: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalMs = 1000 / options.rate;
  const total = Math.ceil(((options.warmupMs + options.durationMs) / 1000) * options.rate);
  const firstMeasured = Math.ceil((options.warmupMs / 1000) * options.rate);
  const start = performance.now();
  const inFlight: Array<Promise<void>> = [];
  let maxStartLagMs = 0;
  for (let i = 0; i < total; i++) {
    const planned = start + i * intervalMs;
    const wait = planned - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    maxStartLagMs = Math.max(maxStartLagMs, performance.now() - planned);
    inFlight.push(options.fire(i, i >= firstMeasured));
  }
  await Promise.all(inFlight);
  return { measured: total - firstMeasured, started: total, maxStartLagMs };
}
