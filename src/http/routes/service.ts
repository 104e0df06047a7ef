import type { FastifyPluginAsync } from 'fastify';
import { TidingsError } from '../../core/errors.ts';
import type { Engine } from '../../engine/engine.ts';

/** `/readyz` answers within this: a load balancer's probe must not hang on a silent store. */
export const READINESS_TIMEOUT_MS = 900;

/** Liveness, readiness. No key needed. */
export function serviceRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { security: [], summary: 'The process is up' } }, async () => ({ status: 'ok' }));
    app.get(
      '/readyz',
      { schema: { security: [], summary: 'The store can take a write now' } },
      async (_request, reply) => {
        try {
          await engine.store.probeWrite(READINESS_TIMEOUT_MS);
          return { status: 'ready', store: engine.store.kind };
        } catch (error) {
          // Not ready, whatever the cause: a full disk is a 507 on writes but a 503 here.
          const reason =
            error instanceof TidingsError
              ? [error.message, ...(error.errors ?? []).map((e) => (e as { message?: string }).message)].join(': ')
              : (error as Error).message;
          return reply.status(503).send({ message: `The store cannot take a write: ${reason}` });
        }
      },
    );
  };
}
