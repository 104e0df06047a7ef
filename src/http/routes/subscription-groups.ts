import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import { TidingsError } from '../../core/errors.ts';
import { idFromPath } from '../id-from-path.ts';
import { withIdFromPath } from '../../schemas/put-body.ts';
import { Slug } from '../../schemas/common.ts';
import { normalizeGroup } from '../../engine/subscription-groups.ts';
import { SubscriptionGroupSchema, type SubscriptionGroup } from '../../schemas/subscription-group.ts';

const TAGS = ['Subscription groups'];
const Params = Type.Object({ id: Slug });

export function subscriptionGroupRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get('/subscription_groups', { schema: { tags: TAGS } }, async () => ({
      subscription_groups: await engine.store.read((r) => r.listSubscriptionGroups()),
    }));
    app.get<{ Params: { id: string } }>(
      '/subscription_groups/:id',
      { schema: { tags: TAGS, params: Params } },
      async (request) => {
        const group = await engine.store.read((r) => r.getSubscriptionGroup(request.params.id));
        if (!group) throw new TidingsError('not_found', `No subscription group '${request.params.id}'`);
        return group;
      },
    );
    app.put<{ Params: { id: string }; Body: SubscriptionGroup }>(
      '/subscription_groups/:id',
      {
        schema: {
          tags: TAGS,
          params: Params,
          body: withIdFromPath(SubscriptionGroupSchema),
        },
        preValidation: idFromPath('id'),
      },
      async (request, reply) => {
        const group = normalizeGroup(request.body);
        const existed = await engine.store.transaction(async (tx) => {
          const before = await tx.getSubscriptionGroup(group.id);
          await tx.putSubscriptionGroup(group);
          return before !== null;
        });
        return reply.status(existed ? 200 : 201).send(group);
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/subscription_groups/:id',
      { schema: { tags: TAGS, params: Params } },
      async (request, reply) => {
        const deleted = await engine.store.transaction((tx) => tx.deleteSubscriptionGroup(request.params.id));
        if (!deleted) throw new TidingsError('not_found', `No subscription group '${request.params.id}'`);
        return reply.status(204).send();
      },
    );
  };
}
