import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { allows, authenticate, type Permission } from '../engine/api-keys.ts';
import type { Engine } from '../engine/engine.ts';
import type { ApiKeyRecord } from '../core/api-key.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
}

/** An onRequest hook (it runs before the body is read) that admits requests whose bearer key holds `permission` (or `admin`). */
export function requirePermission(engine: Engine, permission: Permission): onRequestAsyncHookHandler {
  return async function checkKey(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      return reply.status(401).send({
        message: "Missing API key: send the header 'Authorization: Bearer <key>'",
        errors: [{ field: 'Authorization', message: 'missing or not a Bearer key' }],
      });
    }
    const key = await authenticate(engine, match[1]!);
    if (!key)
      return reply
        .status(401)
        .send({ message: 'Invalid API key', errors: [{ field: 'Authorization', message: 'no such key' }] });
    if (!allows(key, permission)) {
      return reply.status(403).send({
        message: `This API key lacks the '${permission}' permission`,
        errors: [{ field: 'Authorization', message: `needs '${permission}'` }],
      });
    }
    request.apiKey = key;
  };
}
