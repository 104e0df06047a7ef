import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../core/rate-limit.ts';
import type { Engine } from '../engine/engine.ts';
import { ErrorBody } from '../schemas/common.ts';
import { TrackAttributesSchema, TrackEventSchema, TrackPurchaseSchema } from '../schemas/track-objects.ts';
import { sendError, sendNotFound } from './errors.ts';
import { registerJsonLimits } from './json-limits.ts';
import { registerIdempotency } from './idempotency.ts';
import { registerMetrics } from './metrics.ts';
import { registerRateLimits } from './rate-limit.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { adminRoutes } from './routes/admin.ts';
import { brazeUserRoutes } from './routes/braze-users.ts';
import { brazeContentBlockRoutes } from './routes/braze-content-blocks.ts';
import { serviceRoutes } from './routes/service.ts';
import { bodyAjv, compileSchema, paramsAjv } from './validation.ts';

export interface AppOptions {
  engine: Engine;
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Per API key and endpoint group (default: Braze's limits; NO_RATE_LIMITS turns them off). */
  rateLimits?: RateLimits;
  /** How long a client may take to send a request's headers (default 10 s); then 408 and the socket closes. */
  headersTimeoutMs?: number;
  /** How long a client may take to send a whole request, body included (default 30 s); then 408. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive socket stays open after a response (default 72 s). */
  keepAliveTimeoutMs?: number;
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;

export const PACKAGE_VERSION = '0.1.0';

/** The HTTP server: Braze-compatible endpoints, Tidings' /v1 admin API and the service routes. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout);
  const app = Fastify({
    logger: options.logger ?? false,
    // Slow clients (one byte a second) must not hold sockets: Node answers 408 and closes. It
    // checks these deadlines every `connectionsCheckingInterval` (Node's default 30 s would let a
    // 10 s deadline run to 40 s).
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // sendError describes the errors, at most 50 of them; Fastify's default would first join them all.
    schemaErrorFormatter: () => new Error('the request does not match its schema'),
  });
  app.setValidatorCompiler(({ schema, httpPart }) => compileSchema(httpPart === 'body' ? bodyAjv : paramsAjv, schema));
  // Only JSON is accepted; anything else is a 415.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(sendError);
  app.setNotFoundHandler(sendNotFound);
  registerRateLimits(app, options.engine.clock, options.rateLimits ?? DEFAULT_RATE_LIMITS);
  registerJsonLimits(app);
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
  await app.register(brazeContentBlockRoutes(options.engine));
  await app.register(adminRoutes(options.engine), { prefix: '/v1' });
  await app.register(webhookRoutes(options.engine));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
