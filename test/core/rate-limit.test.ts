import { describe, expect, test } from 'vitest';
import {
  consume,
  DEFAULT_RATE_LIMITS,
  describeRateLimit,
  NO_RATE_LIMITS,
  parseRateLimits,
  RATE_LIMIT_GROUPS,
  type RateLimit,
  type RateDecision,
  type WindowCount,
} from '../../src/core/rate-limit.ts';

const T0 = Date.parse('2026-03-06T08:00:00Z'); // a multiple of every window below
const THREE_PER_SECOND: RateLimit = { max: 3, windowMs: 1000 };

/** Sends `n` requests at `now`, threading the state, and returns every decision. */
function burst(limit: RateLimit | null, now: number, n: number, state?: WindowCount): RateDecision[] {
  const decisions: RateDecision[] = [];
  for (let i = 0; i < n; i++) {
    const decision = consume(state, limit, now);
    decisions.push(decision);
    state = decision.state;
  }
  return decisions;
}

describe('consume', () => {
  test('the first request opens a window and counts one', () => {
    expect(consume(undefined, THREE_PER_SECOND, T0 + 250)).toEqual({
      allowed: true,
      remaining: 2,
      resetAt: T0 + 1000,
      state: { start: T0, count: 1 },
    });
  });

  test('remaining counts down to 0 at exactly the limit, and the next request is refused', () => {
    const decisions = burst(THREE_PER_SECOND, T0, 4);
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(decisions.every((d) => d.resetAt === T0 + 1000)).toBe(true);
  });

  test('refused requests do not count, so they do not push the reset or the count', () => {
    const refused = burst(THREE_PER_SECOND, T0, 4)[3]!;
    expect(refused.state).toEqual({ start: T0, count: 3 });
    expect(consume(refused.state, THREE_PER_SECOND, T0 + 999)).toMatchObject({
      allowed: false,
      state: { start: T0, count: 3 },
    });
  });

  test('the last millisecond of a window is still that window', () => {
    const full = burst(THREE_PER_SECOND, T0, 3).at(-1)!.state;
    expect(consume(full, THREE_PER_SECOND, T0 + 999)).toMatchObject({ allowed: false, resetAt: T0 + 1000 });
  });

  test('at the window boundary the count starts again', () => {
    const full = burst(THREE_PER_SECOND, T0, 3).at(-1)!.state;
    expect(consume(full, THREE_PER_SECOND, T0 + 1000)).toEqual({
      allowed: true,
      remaining: 2,
      resetAt: T0 + 2000,
      state: { start: T0 + 1000, count: 1 },
    });
  });

  test('a state from several windows ago is forgotten', () => {
    expect(consume({ start: T0, count: 3 }, THREE_PER_SECOND, T0 + 7_500)).toMatchObject({
      allowed: true,
      remaining: 2,
      state: { start: T0 + 7000, count: 1 },
    });
  });

  test('windows are aligned to the epoch, not to the first request', () => {
    const decision = consume(undefined, { max: 10, windowMs: 3000 }, T0 + 2_900);
    expect(decision.resetAt).toBe(T0 + 3000);
    expect(decision.resetAt % 3000).toBe(0);
  });

  test('a clock set back into an earlier window counts afresh', () => {
    expect(consume({ start: T0 + 1000, count: 3 }, THREE_PER_SECOND, T0 + 500)).toMatchObject({
      allowed: true,
      state: { start: T0, count: 1 },
    });
  });

  test('a limit of 1 allows one request per window', () => {
    const decisions = burst({ max: 1, windowMs: 60_000 }, T0 + 59_999, 2);
    expect(decisions.map((d) => d.allowed)).toEqual([true, false]);
    expect(decisions[1]!.resetAt).toBe(T0 + 60_000);
  });

  test('the input state is not changed', () => {
    const state = { start: T0, count: 1 };
    consume(state, THREE_PER_SECOND, T0);
    consume(state, THREE_PER_SECOND, T0 + 5000);
    expect(state).toEqual({ start: T0, count: 1 });
  });

  test('a disabled limit allows everything and keeps no count', () => {
    const decisions = burst(null, T0, 10_000);
    expect(
      decisions.every((d) => d.allowed && d.remaining === Infinity && d.resetAt === Infinity && d.state === undefined),
    ).toBe(true);
    const state = { start: T0, count: 3 };
    expect(consume(state, null, T0).state).toBe(state);
  });

  test("Braze's /users/track default: 3,000 in a 3-second window, the 3,001st refused", () => {
    const decisions = burst(DEFAULT_RATE_LIMITS.users_track, T0 + 1, 3001);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3000);
    expect(decisions[2999]!.remaining).toBe(0);
    expect(decisions[3000]).toMatchObject({ allowed: false, resetAt: T0 + 3000 });
  });
});

describe('parseRateLimits', () => {
  test("the defaults are Braze's", () => {
    expect(Object.fromEntries(RATE_LIMIT_GROUPS.map((g) => [g, describeRateLimit(DEFAULT_RATE_LIMITS[g])]))).toEqual({
      users_track: '3000/3s',
      users_identity: '20000/1m',
      subscription_status_set: '5000/1m',
      default: '250000/1h',
    });
  });

  test("'off' turns every group off", () => {
    expect(parseRateLimits('off')).toEqual(NO_RATE_LIMITS);
    expect(parseRateLimits(' off ')).toEqual(NO_RATE_LIMITS);
  });

  test('named groups are replaced, the others keep their defaults', () => {
    expect(parseRateLimits('users_track=50000/1m,default=1000/1h')).toEqual({
      ...DEFAULT_RATE_LIMITS,
      users_track: { max: 50_000, windowMs: 60_000 },
      default: { max: 1000, windowMs: 3_600_000 },
    });
  });

  test('one group can be turned off', () => {
    expect(parseRateLimits('users_identity=off')).toEqual({ ...DEFAULT_RATE_LIMITS, users_identity: null });
  });

  test.each([
    ['500ms', 500],
    ['3s', 3000],
    ['1m', 60_000],
    ['m', 60_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['90s', 90_000],
  ])('the window %s is %i ms', (window, ms) => {
    expect(parseRateLimits(`default=10/${window}`).default).toEqual({ max: 10, windowMs: ms });
  });

  test('spaces around parts are allowed; a later part wins', () => {
    expect(parseRateLimits(' users_track=1/1s , users_track=2/2s ').users_track).toEqual({ max: 2, windowMs: 2000 });
  });

  test.each([
    ['', /empty/],
    ['users_track', /'users_track' is not group=max\/window/],
    ['users_track=3000/3s,', /'' is not group=max\/window/],
    [
      'users_tracks=3000/3s',
      /'users_tracks=3000\/3s': unknown group 'users_tracks'; the groups are users_track, users_identity, subscription_status_set, default/,
    ],
    ['users_track=3000', /'users_track=3000': expected max\/window/],
    ['users_track=0/3s', /'users_track=0\/3s': the maximum '0' is not a whole number/],
    ['users_track=-1/3s', /the maximum '-1'/],
    ['users_track=1.5/3s', /the maximum '1.5'/],
    ['users_track=/3s', /the maximum ''/],
    ['users_track=3000/3x', /'users_track=3000\/3x': the window '3x' is not a duration/],
    ['users_track=3000/0s', /the window '0s'/],
    ['users_track=3000/', /the window ''/],
    ['users_track=3000/3 s', /the window '3 s'/],
    ['default=10/1h,users_track=on', /'users_track=on': expected max\/window/],
    ['OFF', /'OFF' is not group=max\/window/],
  ])('%j is refused, naming the bad part', (spec, message) => {
    expect(() => parseRateLimits(spec)).toThrow(message);
  });
});

describe('describeRateLimit', () => {
  test.each([
    [{ max: 3000, windowMs: 3000 }, '3000/3s'],
    [{ max: 1, windowMs: 90_000 }, '1/90s'],
    [{ max: 1, windowMs: 7_200_000 }, '1/2h'],
    [{ max: 1, windowMs: 86_400_000 }, '1/1d'],
    [{ max: 1, windowMs: 1500 }, '1/1500ms'],
    [null, 'off'],
  ])('%j reads %s', (limit, text) => {
    expect(describeRateLimit(limit)).toBe(text);
  });
});
