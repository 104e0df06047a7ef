import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import { requirePermission } from '../auth.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { campaignActivityRoutes } from './campaign-activity.ts';
import { definitionRoutes } from './definitions.ts';
import { settingsRoutes } from './settings.ts';
import { subscriptionGroupRoutes } from './subscription-groups.ts';
import { userRoutes } from './users.ts';

/** Tidings' own API under /v1: every route needs a key with the `admin` permission. */
export function adminRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', requirePermission(engine, 'admin'));
    await app.register(settingsRoutes(engine));
    await app.register(subscriptionGroupRoutes(engine));
    await app.register(apiKeyRoutes(engine));
    await app.register(userRoutes(engine));
    await app.register(definitionRoutes(engine));
    await app.register(campaignActivityRoutes(engine));
  };
}
