import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../core/errors.ts';
import { findJsonProblem, formatPath } from '../core/json-limits.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks nesting and Unicode per item of its body (a bad item is skipped, not the request). */
    jsonLimitsPerItem?: boolean;
  }
}

const PARTS = [
  ['body', 'request body'],
  ['query', 'query string'],
  ['params', 'path'],
] as const;

/**
 * Before any schema or handler sees them, the body, query string and path of every request are
 * checked for nesting deeper than 32 levels and strings that are not well-formed Unicode: a 400
 * naming the field, so no later recursion (Ajv, JSON.stringify, the store) meets a 6,000-deep
 * value and no lone surrogate reaches the store.
 */
export function registerJsonLimits(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, name] of PARTS) {
      if (part === 'body' && request.routeOptions.config.jsonLimitsPerItem) continue;
      const problem = findJsonProblem(request[part]);
      if (problem) {
        const field = formatPath(problem.path) || '(body)';
        throw invalidInput(`Invalid ${name}`, [{ field, message: problem.why }]);
      }
    }
  });
}
