import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';

/** Liveness, readiness. No key needed. */
export function serviceRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { security: [], summary: 'The process is up' } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { security: [], summary: 'The store answers' } }, async (_request, reply) => {
      try {
        await engine.store.ping();
        return { status: 'ready', store: engine.store.kind };
      } catch (error) {
        return reply.status(503).send({ message: `The store does not answer: ${(error as Error).message}` });
      }
    });
  };
}
