/**
 * API rate limits: fixed windows aligned to the epoch, as Braze's `X-RateLimit-Reset` (an epoch
 * instant at which the count starts again) implies. A key may therefore send up to twice the
 * limit around a window boundary; that is the price of a reset time every client can predict.
 */

export interface RateLimit {
  /** Requests allowed per window, at least 1. */
  max: number;
  windowMs: number;
}

/** The count of one (API key, group) pair in the window that starts at `start`. */
export interface WindowCount {
  start: number;
  count: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Requests still allowed in this window after this one. */
  remaining: number;
  /** When the window ends and the count starts again (epoch ms); Infinity when there is no limit. */
  resetAt: number;
  state: WindowCount | undefined;
}

/** Counts one request against `limit` (null: no limit). A refused request does not count. */
export function consume(state: WindowCount | undefined, limit: RateLimit | null, now: number): RateDecision {
  if (limit === null) return { allowed: true, remaining: Infinity, resetAt: Infinity, state };
  const start = Math.floor(now / limit.windowMs) * limit.windowMs;
  const resetAt = start + limit.windowMs;
  const count = state !== undefined && state.start === start ? state.count : 0;
  if (count >= limit.max) return { allowed: false, remaining: 0, resetAt, state: { start, count } };
  return { allowed: true, remaining: limit.max - count - 1, resetAt, state: { start, count: count + 1 } };
}

/** The endpoint groups that share a count, as Braze groups them. */
export const RATE_LIMIT_GROUPS = ['users_track', 'users_identity', 'subscription_status_set', 'default'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

/** Per group; null means unlimited. */
export type RateLimits = Record<RateLimitGroup, RateLimit | null>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Braze's defaults. For /users/track Braze documents both 3,000 per 3 s and 50,000 per minute; we
 * take 3,000 per 3 s (docs/decisions.md says why).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  users_track: { max: 3000, windowMs: 3 * SECOND },
  users_identity: { max: 20_000, windowMs: MINUTE },
  subscription_status_set: { max: 5000, windowMs: MINUTE },
  default: { max: 250_000, windowMs: HOUR },
};

export const NO_RATE_LIMITS: RateLimits = {
  users_track: null,
  users_identity: null,
  subscription_status_set: null,
  default: null,
};

const UNITS = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: 24 * HOUR };

/**
 * Reads an operator's setting: `off`, or comma-separated `group=max/window` (`users_track=3000/3s`)
 * or `group=off`. Groups not named keep their defaults. Throws an Error naming the bad part.
 */
export function parseRateLimits(spec: string, defaults: RateLimits = DEFAULT_RATE_LIMITS): RateLimits {
  const text = spec.trim();
  if (text === 'off') return { ...NO_RATE_LIMITS };
  if (text === '')
    throw new Error("the rate limit setting is empty: give 'off' or group=max/window, e.g. users_track=3000/3s");
  const limits = { ...defaults };
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^([a-z_]+)=(.*)$/.exec(part);
    if (!match) throw new Error(`'${part}' is not group=max/window (e.g. users_track=3000/3s) or group=off`);
    const [, group = '', value = ''] = match;
    if (!(RATE_LIMIT_GROUPS as readonly string[]).includes(group)) {
      throw new Error(`'${part}': unknown group '${group}'; the groups are ${RATE_LIMIT_GROUPS.join(', ')}`);
    }
    limits[group as RateLimitGroup] = value === 'off' ? null : parseLimit(part, value);
  }
  return limits;
}

function parseLimit(part: string, value: string): RateLimit {
  const slash = value.indexOf('/');
  if (slash < 0) throw new Error(`'${part}': expected max/window after '=', e.g. 3000/3s, or off`);
  const maxText = value.slice(0, slash);
  const windowText = value.slice(slash + 1);
  if (!/^[1-9]\d*$/.test(maxText))
    throw new Error(`'${part}': the maximum '${maxText}' is not a whole number of requests of at least 1`);
  const window = /^(\d*)(ms|s|m|h|d)$/.exec(windowText);
  const windowMs = window ? Number(window[1] || '1') * UNITS[window[2] as keyof typeof UNITS] : 0;
  if (!window || windowMs <= 0)
    throw new Error(`'${part}': the window '${windowText}' is not a duration such as 500ms, 3s, 1m, 1h or 1d`);
  return { max: Number(maxText), windowMs };
}

/** `3000/3s`, `off`: how the limits read in logs and errors. */
export function describeRateLimit(limit: RateLimit | null): string {
  if (limit === null) return 'off';
  const unit = (['d', 'h', 'm', 's'] as const).find((u) => limit.windowMs % UNITS[u] === 0) ?? 'ms';
  return `${limit.max}/${limit.windowMs / UNITS[unit]}${unit}`;
}
