import type { FastifyInstance, preParsingHookHandler } from 'fastify';
import {
  consume,
  describeRateLimit,
  type RateLimit,
  type RateLimitGroup,
  type RateLimits,
  type WindowCount,
} from '../core/rate-limit.ts';
import type { Clock } from '../engine/clock.ts';

/** The routes that count against a group of their own; every other keyed route counts against `default`. */
const GROUP_OF_ROUTE: Record<string, RateLimitGroup> = {
  '/users/track': 'users_track',
  '/users/delete': 'users_identity',
  '/users/alias/new': 'users_identity',
  '/users/alias/update': 'users_identity',
  '/users/identify': 'users_identity',
  '/users/merge': 'users_identity',
  '/subscription/status/set': 'subscription_status_set',
};

const UNLIMITED_ROUTE = /^\/(healthz|readyz|metrics|openapi\.json|docs)(\/|$)/;

/**
 * Limits requests per API key and route group. The hook is attached to each limited route when
 * it is declared, so a request pays one Map lookup and no route matching. It runs as preParsing,
 * after every onRequest hook (authentication sets `request.apiKey`) and before the body is read.
 * Counts live in this process's memory: several server processes each count on their own.
 * Must be called before any route is registered.
 */
export function registerRateLimits(app: FastifyInstance, clock: Clock, limits: RateLimits): void {
  const hooks = new Map<RateLimitGroup, preParsingHookHandler>();
  app.addHook('onRoute', (route) => {
    if (UNLIMITED_ROUTE.test(route.url)) return;
    const group = GROUP_OF_ROUTE[route.url] ?? 'default';
    const limit = limits[group];
    if (limit === null) return;
    let hook = hooks.get(group);
    if (!hook) hooks.set(group, (hook = limitHook(group, limit, clock)));
    const existing = route.preParsing ?? [];
    route.preParsing = [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
}

function limitHook(group: RateLimitGroup, limit: RateLimit, clock: Clock): preParsingHookHandler {
  const windows = new Map<string, WindowCount>();
  const max = String(limit.max);
  const described = describeRateLimit(limit);
  return function rateLimit(request, reply, payload, done) {
    const key = request.apiKey;
    // A route without authentication has no key to count by.
    if (key === undefined) return done(null, payload);
    const now = clock.now();
    const decision = consume(windows.get(key.id), limit, now);
    if (decision.allowed) windows.set(key.id, decision.state!);
    reply.header('X-RateLimit-Limit', max);
    reply.header('X-RateLimit-Remaining', String(decision.remaining));
    reply.header('X-RateLimit-Reset', String(Math.ceil(decision.resetAt / 1000)));
    if (decision.allowed) return done(null, payload);
    const retryAfter = Math.max(1, Math.ceil((decision.resetAt - now) / 1000));
    reply.header('Retry-After', String(retryAfter));
    reply.status(429).send({
      message: 'Rate Limited',
      errors: [
        {
          field: 'Authorization',
          message: `this key has made its ${max} requests to the '${group}' endpoints in this window (limit ${described}); retry in ${retryAfter} s`,
        },
      ],
    });
  };
}
