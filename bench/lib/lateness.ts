/**
 * B3's figures from what was due and when it went: shared by bench/timers.ts (our worker, from
 * the sandbox rows) and bench/baseline-bullmq.mjs (BullMQ, from the fake endpoint's arrivals), so
 * that both are measured the same way. Times are epoch milliseconds.
 */

export interface LatenessFigures {
  sent: number;
  /** Sent ÷ seconds from the first due instant to the last send. */
  sends_per_s: number | null;
  /**
   * Send rate over the one-second intervals in which the sender was behind all along (a backlog of
   * more than BACKLOG_MIN at both ends of the second): what it can drain, its capacity. Null when it
   * never fell that far behind (it kept up with the offered rate).
   */
  drain_sends_per_s: number | null;
  behind_s: number;
  max_backlog: number;
  lateness_p50_ms: number | null;
  lateness_p90_ms: number | null;
  lateness_p99_ms: number | null;
  lateness_max_ms: number | null;
  lateness_mean_ms: number | null;
  /** Sends before their due instant (should be 0). */
  early: number;
  first_sent_offset_ms: number | null;
  last_sent_offset_ms: number | null;
}

/** Backlog (due but not yet sent) above which a second counts as "behind". */
export const BACKLOG_MIN = 500;

const round = (value: number | null, digits = 1): number | null =>
  value === null || !Number.isFinite(value) ? null : Number(value.toFixed(digits));

/** Nearest-rank percentile of a sorted array. */
export function percentileOf(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

/**
 * `due[i]` and `sent[i]` belong to the same message. `anchor` is the first due instant of the
 * whole workload (not only of the messages sent).
 */
export function latenessFigures(due: Float64Array, sent: Float64Array, anchor: number): LatenessFigures {
  const n = sent.length;
  const lateness = new Float64Array(n);
  let early = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const late = sent[i]! - due[i]!;
    lateness[i] = late;
    total += late;
    if (late < 0) early++;
  }
  lateness.sort();
  const dueSorted = Float64Array.from(due).sort();
  const sentSorted = Float64Array.from(sent).sort();
  const lastSent = n > 0 ? sentSorted[n - 1]! : null;

  // One-second buckets from the anchor: backlog at each boundary = due so far − sent so far.
  let behindSeconds = 0;
  let behindSends = 0;
  let maxBacklog = 0;
  if (lastSent !== null) {
    let d = 0;
    let s = 0;
    let backlogAtStart = 0;
    let sentAtStart = 0;
    for (let t = anchor + 1000; ; t += 1000) {
      while (d < n && dueSorted[d]! <= t) d++;
      while (s < n && sentSorted[s]! <= t) s++;
      const backlog = d - s;
      maxBacklog = Math.max(maxBacklog, backlog);
      if (backlogAtStart > BACKLOG_MIN && backlog > BACKLOG_MIN) {
        behindSeconds++;
        behindSends += s - sentAtStart;
      }
      backlogAtStart = backlog;
      sentAtStart = s;
      if (t > lastSent) break;
    }
  }
  return {
    sent: n,
    sends_per_s: lastSent !== null && lastSent > anchor ? Math.round(n / ((lastSent - anchor) / 1000)) : null,
    drain_sends_per_s: behindSeconds > 0 ? Math.round(behindSends / behindSeconds) : null,
    behind_s: behindSeconds,
    max_backlog: maxBacklog,
    lateness_p50_ms: round(percentileOf(lateness, 50)),
    lateness_p90_ms: round(percentileOf(lateness, 90)),
    lateness_p99_ms: round(percentileOf(lateness, 99)),
    lateness_max_ms: round(n > 0 ? lateness[n - 1]! : null),
    lateness_mean_ms: round(n > 0 ? total / n : null),
    early,
    first_sent_offset_ms: n > 0 ? Math.round(sentSorted[0]! - anchor) : null,
    last_sent_offset_ms: lastSent !== null ? Math.round(lastSent - anchor) : null,
  };
}
