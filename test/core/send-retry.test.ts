import { describe, expect, test } from 'vitest';
import { nextRetry, RETRY_WINDOW_MS } from '../../src/core/send-retry.ts';

describe('retrying a transient provider failure', () => {
  test.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [9, 256_000],
    [10, 300_000],
    [20, 300_000],
  ])('attempt %i waits %i ms without jitter (random 0.5)', (attempts, delay) => {
    expect(nextRetry(10_000, attempts, 10_000, 0.5)).toEqual({ retry: true, at: 10_000 + delay });
  });

  test('jitter spreads the delay over ±20 %', () => {
    expect(nextRetry(0, 3, 0, 0)).toEqual({ retry: true, at: 3200 });
    expect(nextRetry(0, 3, 0, 0.999999)).toEqual({ retry: true, at: 4800 });
  });

  test('no retry would land more than 10 minutes after the first attempt', () => {
    expect(nextRetry(RETRY_WINDOW_MS - 1000, 1, 0, 0.5)).toEqual({ retry: true, at: RETRY_WINDOW_MS });
    expect(nextRetry(RETRY_WINDOW_MS - 999, 1, 0, 0.5)).toEqual({ retry: false });
    expect(nextRetry(RETRY_WINDOW_MS + 5, 1, 0, 0)).toEqual({ retry: false });
  });
});
