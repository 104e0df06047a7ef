import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../core/rate-limit.ts';
import type { Engine } from '../engine/engine.ts';
import { ErrorBody } from '../schemas/common.ts';
import { TrackAttributesSchema, TrackEventSchema, TrackPurchaseSchema } from '../schemas/track-objects.ts';
import { sendError, sendNotFound } from './errors.ts';
import { registerIdempotency } from './idempotency.ts';
import { registerMetrics } from './metrics.ts';
import { registerRateLimits } from './rate-limit.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { adminRoutes } from './routes/admin.ts';
import { brazeUserRoutes } from './routes/braze-users.ts';
import { serviceRoutes } from './routes/service.ts';
import { bodyAjv, paramsAjv } from './validation.ts';

export interface AppOptions {
  engine: Engine;
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Per API key and endpoint group (default: Braze's limits; NO_RATE_LIMITS turns them off). */
  rateLimits?: RateLimits;
}

export const PACKAGE_VERSION = '0.1.0';

/** The HTTP server: Braze-compatible endpoints, Tidings' /v1 admin API and the service routes. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : paramsAjv).compile(schema));
  // Only JSON is accepted; anything else is a 415.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(sendError);
  app.setNotFoundHandler(sendNotFound);
  registerRateLimits(app, options.engine.clock, options.rateLimits ?? DEFAULT_RATE_LIMITS);
  registerIdempotency(app, options.engine);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tidings API',
        version: PACKAGE_VERSION,
        description: 'Braze-compatible user API and Tidings admin API.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: {
          TrackAttributes: TrackAttributesSchema,
          TrackEvent: TrackEventSchema,
          TrackPurchase: TrackPurchaseSchema,
          Error: ErrorBody,
        } as never,
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const metrics = registerMetrics(app);
  await app.register(serviceRoutes(options.engine));
  await app.register(brazeUserRoutes(options.engine, metrics));
  await app.register(adminRoutes(options.engine), { prefix: '/v1' });
  await app.register(webhookRoutes(options.engine));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
