import { Type, type TObject } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { applyDefinitions, deleteDefinition, type DefinitionBundle } from '../../engine/campaigns/definitions.ts';
import type { Engine } from '../../engine/engine.ts';
import { importFollowers } from '../../engine/followers.ts';
import { TidingsError } from '../../core/errors.ts';
import { idFromPath } from '../id-from-path.ts';
import { CampaignSchema } from '../../schemas/campaign.ts';
import { CanvasSchema } from '../../schemas/canvas.ts';
import { ChannelSchema, maskSecrets, type Channel } from '../../schemas/channel.ts';
import { Slug } from '../../schemas/common.ts';
import { ContentBlockSchema } from '../../schemas/content.ts';
import { SegmentSchema } from '../../schemas/filters.ts';
import { SubscriptionGroupSchema } from '../../schemas/subscription-group.ts';
import type { DefinitionKind } from '../../core/definition-row.ts';
import { withIdFromPath } from '../../schemas/put-body.ts';

const Params = Type.Object({ id: Slug });

interface Resource {
  kind: DefinitionKind;
  path: string;
  bundleKey: 'campaigns' | 'segments' | 'content_blocks' | 'channels' | 'canvases';
  schema: TObject | ReturnType<typeof Type.Union>;
  tag: string;
}

const RESOURCES: Resource[] = [
  { kind: 'campaign', path: 'campaigns', bundleKey: 'campaigns', schema: CampaignSchema, tag: 'Campaigns' },
  { kind: 'segment', path: 'segments', bundleKey: 'segments', schema: SegmentSchema, tag: 'Segments' },
  {
    kind: 'content_block',
    path: 'content_blocks',
    bundleKey: 'content_blocks',
    schema: ContentBlockSchema,
    tag: 'Content blocks',
  },
  { kind: 'channel', path: 'channels', bundleKey: 'channels', schema: ChannelSchema, tag: 'Channels' },
  { kind: 'canvas', path: 'canvases', bundleKey: 'canvases', schema: CanvasSchema, tag: 'Canvases' },
];

export const DefinitionBundleSchema = Type.Object(
  {
    subscription_groups: Type.Optional(Type.Array(SubscriptionGroupSchema)),
    channels: Type.Optional(Type.Array(ChannelSchema)),
    segments: Type.Optional(Type.Array(SegmentSchema)),
    content_blocks: Type.Optional(Type.Array(ContentBlockSchema)),
    campaigns: Type.Optional(Type.Array(CampaignSchema)),
    canvases: Type.Optional(Type.Array(CanvasSchema)),
  },
  { additionalProperties: false },
);

/** A definition as the API shows it: a channel's secrets are write-only. */
const shown = (resource: Resource, document: unknown): unknown =>
  resource.kind === 'channel' ? maskSecrets(document as Channel) : document;

/**
 * Definitions as documents with a user-chosen id: PUT creates or replaces (so a folder of files
 * can be applied again and again), POST /apply takes a whole bundle, all of it or nothing.
 */
export function definitionRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    for (const resource of RESOURCES) {
      const tags = [resource.tag];
      app.get(`/${resource.path}`, { schema: { tags } }, async () => ({
        [resource.path]: (await engine.store.read((r) => r.campaigns.listDefinitions(resource.kind))).map((row) =>
          shown(resource, row.document),
        ),
      }));
      app.get<{ Params: { id: string } }>(
        `/${resource.path}/:id`,
        { schema: { tags, params: Params } },
        async (request) => {
          const row = await engine.store.read((r) => r.campaigns.getDefinition(resource.kind, request.params.id));
          if (!row) throw new TidingsError('not_found', `No ${resource.kind.replace('_', ' ')} '${request.params.id}'`);
          return shown(resource, row.document);
        },
      );
      app.put<{ Params: { id: string }; Body: { id: string } }>(
        `/${resource.path}/:id`,
        { schema: { tags, params: Params, body: withIdFromPath(resource.schema) }, preValidation: idFromPath('id') },
        async (request, reply) => {
          const report = await applyDefinitions(engine, { [resource.bundleKey]: [request.body] } as DefinitionBundle);
          return reply.status(report.created.length > 0 ? 201 : 200).send(shown(resource, request.body));
        },
      );
      app.delete<{ Params: { id: string } }>(
        `/${resource.path}/:id`,
        { schema: { tags, params: Params } },
        async (request, reply) => {
          if (!(await deleteDefinition(engine, resource.kind, request.params.id)))
            throw new TidingsError('not_found', `No ${resource.kind.replace('_', ' ')} '${request.params.id}'`);
          return reply.status(204).send();
        },
      );
    }
    app.get<{ Params: { id: string } }>(
      '/canvases/:id/versions',
      { schema: { tags: ['Canvases'], params: Params, summary: "A canvas's versions, oldest first" } },
      async (request) => {
        const versions = await engine.store.read((r) => r.definitionVersions.list('canvas', request.params.id));
        if (versions.length === 0) throw new TidingsError('not_found', `No canvas '${request.params.id}'`);
        return {
          canvas_id: request.params.id,
          versions: versions.map((v) => ({ version: v.version, created_at: new Date(v.created_at).toISOString() })),
        };
      },
    );
    app.get<{ Params: { id: string; version: number } }>(
      '/canvases/:id/versions/:version',
      {
        schema: {
          tags: ['Canvases'],
          params: Type.Object({ id: Slug, version: Type.Integer({ minimum: 1 }) }),
          summary: 'One version of a canvas, as it was written',
        },
      },
      async (request) => {
        const { id, version } = request.params;
        const found = await engine.store.read((r) => r.definitionVersions.get('canvas', id, version));
        if (!found) throw new TidingsError('not_found', `No version ${version} of canvas '${id}'`);
        return {
          canvas_id: id,
          version: found.version,
          created_at: new Date(found.created_at).toISOString(),
          definition: found.document,
        };
      },
    );
    app.post<{ Params: { id: string } }>(
      '/channels/:id/sync_followers',
      {
        schema: {
          tags: ['Definitions'],
          params: Params,
          summary:
            "Import a LINE channel's followers: find or create each by line_id, subscribed to the channel's group",
        },
      },
      async (request) => importFollowers(engine, request.params.id),
    );
    app.post<{ Body: DefinitionBundle }>(
      '/apply',
      {
        schema: {
          tags: ['Definitions'],
          body: DefinitionBundleSchema,
          summary: 'Create or replace a bundle of definitions, all or nothing',
        },
      },
      async (request) => applyDefinitions(engine, request.body),
    );
  };
}
