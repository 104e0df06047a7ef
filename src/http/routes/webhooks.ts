import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { InboundEndpoint } from '../../channels/channel-module.ts';
import { inboundModules, type AnyChannelModule } from '../../channels/registry.ts';
import { TidingsError } from '../../core/errors.ts';
import type { ChannelType } from '../../schemas/channel.ts';
import { Slug } from '../../schemas/common.ts';
import { liveDefinitions } from '../../engine/campaigns/definitions.ts';
import { cachedSettings, type Engine } from '../../engine/engine.ts';
import { receiveInbound } from '../../engine/inbound.ts';

const Params = Type.Object({ id: Slug });

/**
 * Providers' webhooks, one route shape for every channel module with webhooks:
 * `POST /webhooks/{module path}/{channel id}` (+ the module's other endpoints, e.g. `/status`).
 * Each looks up the channel, then: verify → parse → the engine's one inbound path → the module's
 * answer. They carry no API key: each is authenticated by its provider's signature over the raw
 * body, checked before the body is parsed, so this plugin keeps bodies as they came (JSON as
 * bytes, forms as text). A bad signature is 401 and records nothing; the request never waits on
 * a provider.
 */
export function webhookRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );

    const route = (module: AnyChannelModule, path: string, endpoint: InboundEndpoint<ChannelType>) =>
      app.post<{ Params: { id: string } }>(
        `/webhooks/${path}/:id${endpoint.suffix}`,
        { schema: { tags: ['Webhooks'], params: Params, summary: endpoint.summary } },
        async (request, reply) => {
          const channel = (await liveDefinitions(engine)).channels.get(request.params.id);
          if (channel?.type !== module.type)
            throw new TidingsError('not_found', `No ${module.displayName} channel '${request.params.id}'`);
          const settings = await cachedSettings(engine);
          // Providers sign the URL they were configured with: the public URL when one is set.
          const url = settings.public_url
            ? `${settings.public_url.replace(/\/+$/, '')}${request.url}`
            : `${request.protocol}://${request.headers.host}${request.url}`;
          const body = Buffer.isBuffer(request.body) || typeof request.body === 'string' ? request.body : '';
          endpoint.verify(channel, { url, headers: request.headers, body }, engine.config.env);
          const { events, ignored } = endpoint.parse(body, { defaultCountry: settings.default_country });
          const answer = endpoint.answer(await receiveInbound(engine, channel, events, ignored));
          reply.status(answer.status);
          if (answer.contentType) reply.type(answer.contentType);
          return reply.send(answer.body);
        },
      );

    for (const module of inboundModules())
      for (const endpoint of module.inbound!.endpoints) route(module, module.inbound!.path, endpoint);
  };
}
