import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TidingsError, type ErrorCode } from '../core/errors.ts';
import { capErrors, reportAjvErrors } from './validation.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The message of a 400 caused by an array over its maxItems (Braze: "Max Input Length Exceeded"). */
    tooManyItemsMessage?: string;
  }
}

/** The HTTP status of each code of the error catalogue (`core/errors.ts`). */
export const HTTP_STATUS: { readonly [C in ErrorCode]: number } = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_many_requests: 429,
  provider_failed: 502,
  store_unavailable: 503,
  store_full: 507,
};

const PART_NAMES: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'path',
  headers: 'headers',
};

/**
 * Every error leaves as `{"message", "errors"?}` with the status the spec gives it. Anything
 * unexpected is a 500 and is logged; its details stay in the log.
 */
export function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof TidingsError) {
    const listed = error.errors ? capErrors(error.errors) : null;
    return reply.status(HTTP_STATUS[error.code]).send({
      message: clipMessage(error.message),
      ...(listed ? { errors: listed.errors } : {}),
      ...(listed && listed.more > 0 ? { more_errors: listed.more } : {}),
    });
  }
  if (error.validation) {
    const part = error.validationContext ?? 'body';
    const { errors, more } = reportAjvErrors(error.validation as never);
    const counted = more > 0 ? { more_errors: more } : {};
    const tooMany = request.routeOptions.config.tooManyItemsMessage;
    if (tooMany && error.validation.some((e) => e.keyword === 'maxItems')) {
      return reply.status(400).send({ message: tooMany, errors, ...counted });
    }
    const summary = errors.map((e) => `'${e.field}' ${e.message}`).join('; ') + (more > 0 ? `; and ${more} more` : '');
    return reply.status(400).send({ message: `Invalid ${PART_NAMES[part] ?? part}: ${summary}`, errors, ...counted });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply.status(400).send({
        message: `The request body is not valid JSON: ${error.message}`,
        errors: [{ field: '(body)', message: error.message }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.status(413).send({
        message: `The request body is larger than the limit of ${request.routeOptions.bodyLimit ?? 1048576} bytes`,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.status(415).send({
        message: `Content-Type must be application/json (got ${JSON.stringify(request.headers['content-type'] ?? '')})`,
        errors: [{ field: 'Content-Type', message: 'must be application/json' }],
      });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.status(error.statusCode).send({ message: error.message });
  }
  request.log.error({ err: error }, 'unexpected error');
  return reply
    .status(500)
    .send({ message: 'Internal error: this is a bug in Tidings; the server log has the details.' });
}

/** A message that lists every problem of a large request is cut; `errors` names the first 50. */
const MAX_MESSAGE_LENGTH = 2000;

function clipMessage(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

export function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.status(404).send({ message: `No route ${request.method} ${request.url.split('?')[0]}` });
}
