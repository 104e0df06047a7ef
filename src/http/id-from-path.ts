import type { FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import { invalidInput } from '../core/errors.ts';

/**
 * The one rule for a definition's id under /v1: it comes from the path. A body without the
 * field gets the path's value before the body is validated (so what GET shows, and a document
 * written without it, are both accepted); a body that gives another value is a 400 naming it.
 */
export function idFromPath(field: string, param = 'id'): preValidationAsyncHookHandler {
  return async function takeIdFromPath(request: FastifyRequest) {
    const body = request.body;
    const pathId = (request.params as Record<string, string | undefined>)[param];
    if (typeof body !== 'object' || body === null || Array.isArray(body) || pathId === undefined) return;
    const document = body as Record<string, unknown>;
    if (!Object.hasOwn(document, field)) {
      document[field] = pathId;
      return;
    }
    const given = document[field];
    if (given === pathId) return;
    const shown = typeof given === 'string' ? `'${given}'` : JSON.stringify(given);
    throw invalidInput('Invalid request body', [
      { field, message: `must match the path's ${field} '${pathId}'; got ${shown}` },
    ]);
  };
}
