import { createHash } from 'node:crypto';
import type { FastifyInstance, onSendHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import { TidingsError } from '../core/errors.ts';
import { idempotencyKeyProblem, keepsAnswer } from '../core/idempotency.ts';
import type { Engine } from '../engine/engine.ts';
import {
  claimIdempotencyKey,
  type IdempotencyClaim,
  recordIdempotentAnswer,
  releaseIdempotencyKey,
} from '../engine/idempotency.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The `Idempotency-Key` this request holds while it runs. */
    idempotencyClaim?: IdempotencyClaim;
  }
}

/** The Braze-compatible write endpoints that accept `Idempotency-Key` (those that exist get it). */
const IDEMPOTENT_ROUTES = new Set([
  '/users/track',
  '/users/alias/new',
  '/users/alias/update',
  '/users/identify',
  '/users/merge',
  '/users/delete',
  '/campaigns/trigger/send',
  '/subscription/status/set',
  '/content_blocks/create',
  '/content_blocks/update',
]);

const HEADER = 'idempotency-key';

/**
 * `Idempotency-Key` on the Braze-compatible write endpoints (core/idempotency.ts): a repeat of a
 * request within 24 h, same API key, same key, same method, path and body, gets the first answer
 * again (with `Idempotent-Replayed: true`) and writes nothing; another request under the same key
 * is a 422; a repeat while the first still runs is a 409. The hooks run after authentication and
 * body validation: a request refused before them claims nothing. Must be called before any route
 * is registered.
 */
export function registerIdempotency(app: FastifyInstance, engine: Engine): void {
  const claim = claimHook(engine);
  const record = recordHook(engine);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!IDEMPOTENT_ROUTES.has(route.url) || !methods.includes('POST')) return;
    route.preHandler = [...asList(route.preHandler), claim];
    route.onSend = [...asList(route.onSend), record];
  });
}

function asList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/** What makes two requests the same request: method, route and the body as validated. */
function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

function claimHook(engine: Engine): preHandlerAsyncHookHandler {
  return async function claimIdempotency(request, reply) {
    const header = request.headers[HEADER];
    if (header === undefined || request.apiKey === undefined) return;
    const key = Array.isArray(header) ? null : header;
    const problem = key === null ? 'must be given once' : idempotencyKeyProblem(key);
    if (key === null || problem !== null) {
      throw new TidingsError('invalid_input', `Invalid Idempotency-Key header: it ${problem}`, [
        { field: 'Idempotency-Key', message: problem },
      ]);
    }
    const hash = requestHash(request.method, request.routeOptions.url ?? request.url, request.body);
    const outcome = await claimIdempotencyKey(engine, request.apiKey.id, key, hash);
    switch (outcome.kind) {
      case 'run':
        request.idempotencyClaim = outcome.claim;
        return;
      case 'replay': {
        const { answer } = outcome;
        if (answer.content_type !== null) reply.header('content-type', answer.content_type);
        reply.header('Idempotent-Replayed', 'true');
        return reply.status(answer.status).send(answer.body);
      }
      case 'mismatch':
        throw new TidingsError(
          'unprocessable',
          'This Idempotency-Key was used in the last 24 hours for a request with another method, path or body',
          [{ field: 'Idempotency-Key', message: 'already used for another request' }],
        );
      case 'in_progress':
        throw new TidingsError(
          'conflict',
          'A request with this Idempotency-Key is still being processed; retry later',
          [{ field: 'Idempotency-Key', message: 'in use by a request still running' }],
        );
    }
  };
}

function recordHook(engine: Engine): onSendHookHandler {
  return async function recordIdempotency(request, reply, payload) {
    const claim = request.idempotencyClaim;
    if (claim === undefined) return payload;
    request.idempotencyClaim = undefined;
    try {
      if (keepsAnswer(reply.statusCode) && typeof payload === 'string') {
        const contentType = reply.getHeader('content-type');
        await recordIdempotentAnswer(engine, claim, {
          status: reply.statusCode,
          content_type: typeof contentType === 'string' ? contentType : null,
          body: payload,
        });
      } else {
        await releaseIdempotencyKey(engine, claim);
      }
    } catch (error) {
      // The answer still goes out. The key stays claimed until it counts as abandoned (1 min).
      request.log.warn({ err: error }, 'the answer to an Idempotency-Key could not be recorded');
    }
    return payload;
  };
}
