import type { TidingsError } from '../core/errors.ts';
import { storeUnavailable } from './store-faults.ts';

/**
 * Every store call has a deadline (`TIDINGS_STORE_TIMEOUT_MS`, default 5,000): a database that
 * does not answer gives `store_unavailable` within it, never a hang.
 */

export const DEFAULT_STORE_TIMEOUT_MS = 5000;

/** `TIDINGS_STORE_TIMEOUT_MS`: a positive integer of milliseconds; unset or empty, the default. */
export function parseStoreTimeoutMs(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_STORE_TIMEOUT_MS;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000)
    throw new Error(`TIDINGS_STORE_TIMEOUT_MS must be an integer from 1 to 3600000, not ${JSON.stringify(value)}`);
  return ms;
}

/**
 * Runs `work` and rejects with `store_unavailable` once `timeoutMs` pass without an answer;
 * `onTimeout` then lets the caller drop what the work holds (its connection). The work itself is
 * not stopped: its rejection, if any, is swallowed.
 */
export async function withDeadline<T>(timeoutMs: number, work: Promise<T>, onTimeout: () => void = () => {}) {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(storeTimedOut(timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The store did not finish a unit of work within its deadline. */
export function storeTimedOut(timeoutMs: number): TidingsError {
  return storeUnavailable(`the store did not answer within ${timeoutMs} ms`);
}
