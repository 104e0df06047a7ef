/**
 * When a message whose provider failed transiently (network, timeout, 429, 5xx) is tried again:
 * exponential backoff from 1 s, doubling per attempt up to 5 minutes, with ±20 % jitter so that
 * a burst of failures does not come back at the same instant. After 10 minutes of trying it is
 * given up as `provider_unavailable` (the spec's window).
 */
export const RETRY_WINDOW_MS = 10 * 60_000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 5 * 60_000;
const JITTER = 0.2;

export type RetryDecision = { retry: true; at: number } | { retry: false };

/**
 * `attempts` is how many times it has been tried (1 after the first failure); `firstTriedAt`
 * when the first attempt was made; `random` a number in [0, 1).
 */
export function nextRetry(now: number, attempts: number, firstTriedAt: number, random: number): RetryDecision {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const at = now + Math.round(base * (1 - JITTER + 2 * JITTER * random));
  return at - firstTriedAt > RETRY_WINDOW_MS ? { retry: false } : { retry: true, at };
}
