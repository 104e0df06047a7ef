import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { createApiKey, deleteApiKey, PERMISSIONS, type Permission } from '../../engine/api-keys.ts';
import type { Engine } from '../../engine/engine.ts';
import { TidingsError } from '../../core/errors.ts';
import type { ApiKeyRecord } from '../../core/api-key.ts';

const TAGS = ['API keys'];

const NewKeySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    permissions: Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);
type NewKey = Static<typeof NewKeySchema>;

const present = (key: ApiKeyRecord) => ({
  id: key.id,
  name: key.name,
  permissions: key.permissions,
  created_at: new Date(key.created_at).toISOString(),
});

export function apiKeyRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get('/api_keys', { schema: { tags: TAGS } }, async () => ({
      api_keys: (await engine.store.read((r) => r.listApiKeys())).map(present),
    }));
    app.post<{ Body: NewKey }>(
      '/api_keys',
      { schema: { tags: TAGS, body: NewKeySchema, summary: 'Create a key; the key is in this response only' } },
      async (request, reply) => {
        const { record, key } = await createApiKey(engine, request.body.name, request.body.permissions as Permission[]);
        return reply.status(201).send({ ...present(record), key });
      },
    );
    app.delete<{ Params: { id: string } }>(
      '/api_keys/:id',
      { schema: { tags: TAGS, params: Type.Object({ id: Type.String({ minLength: 1 }) }) } },
      async (request, reply) => {
        if (request.apiKey?.id === request.params.id)
          throw new TidingsError('conflict', 'A key cannot delete itself; use another admin key');
        const deleted = await deleteApiKey(engine, request.params.id);
        if (!deleted) throw new TidingsError('not_found', `No API key '${request.params.id}'`);
        return reply.status(204).send();
      },
    );
  };
}
