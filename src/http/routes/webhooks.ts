import { Type } from '@sinclair/typebox';
import { validateSignature, type webhook } from '@line/bot-sdk';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { liveDefinitions } from '../../engine/campaigns/definitions.ts';
import type { Engine } from '../../engine/engine.ts';
import { lineEventProblems, receiveLineEvents } from '../../engine/line-webhook.ts';
import { receiveSms, receiveSmsStatus } from '../../engine/twilio-webhook.ts';
import { cachedSettings } from '../../engine/engine.ts';
import { validTwilioSignature } from '../../channels/twilio-sms/signature.ts';
import { TidingsError } from '../../core/errors.ts';
import { resolveSecret } from '../../schemas/channel.ts';
import { Slug } from '../../schemas/common.ts';

const Params = Type.Object({ id: Slug });

/**
 * Providers' webhooks. They carry no API key: each is authenticated by its provider's signature
 * over the raw body, checked before the body is parsed, so this plugin keeps JSON bodies as bytes.
 * A bad signature is 401 and records nothing; the request never waits on a provider.
 */
export function webhookRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );

    /** The Twilio channel a request is for, and its form parameters, once its signature checks out. */
    const verifiedTwilioRequest = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const channel = (await liveDefinitions(engine)).channels.get(request.params.id);
      if (channel?.type !== 'twilio_sms')
        throw new TidingsError('not_found', `No Twilio SMS channel '${request.params.id}'`);
      const authToken = resolveSecret(channel.auth_token, engine.config.env);
      if (!authToken)
        throw new TidingsError('unauthorized', `Channel '${channel.id}' has no auth_token to check signatures with`, [
          { field: 'auth_token', message: 'is required to receive webhooks' },
        ]);
      const params = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
      const signature = request.headers['x-twilio-signature'];
      // Twilio signs the URL it was configured with: the public URL when one is set.
      const publicUrl = (await cachedSettings(engine)).public_url;
      const url = publicUrl
        ? `${publicUrl.replace(/\/+$/, '')}${request.url}`
        : `${request.protocol}://${request.headers.host}${request.url}`;
      if (typeof signature !== 'string' || !validTwilioSignature(authToken, url, params, signature)) {
        throw new TidingsError('unauthorized', 'X-Twilio-Signature does not match the request', [
          { field: 'X-Twilio-Signature', message: typeof signature === 'string' ? 'does not match' : 'is missing' },
        ]);
      }
      return { channel, params };
    };

    app.post<{ Params: { id: string } }>(
      '/webhooks/twilio/:id/status',
      {
        schema: {
          tags: ['Webhooks'],
          params: Params,
          summary: 'Twilio message status callback (signed with the auth token)',
        },
      },
      async (request, reply) => {
        const { channel, params } = await verifiedTwilioRequest(request);
        await receiveSmsStatus(engine, channel, params);
        return reply.status(204).send();
      },
    );

    app.post<{ Params: { id: string } }>(
      '/webhooks/twilio/:id',
      {
        schema: {
          tags: ['Webhooks'],
          params: Params,
          summary: 'Twilio incoming SMS webhook (signed with the auth token); answers in TwiML',
        },
      },
      async (request, reply) => {
        const { channel, params } = await verifiedTwilioRequest(request);
        if (!params.get('From') || !params.get('MessageSid')) {
          throw new TidingsError('invalid_input', "An incoming SMS needs 'From' and 'MessageSid'", [
            { field: params.get('From') ? 'MessageSid' : 'From', message: 'is required' },
          ]);
        }
        const received = await receiveSms(engine, channel, params);
        const twiml =
          received.reply === null
            ? '<Response/>'
            : `<Response><Message>${escapeXml(received.reply)}</Message></Response>`;
        return reply.type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?>${twiml}`);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/webhooks/line/:id',
      {
        schema: {
          tags: ['Webhooks'],
          params: Params,
          summary: 'LINE Messaging API webhook (signed with the channel secret)',
        },
      },
      async (request) => {
        const channel = (await liveDefinitions(engine)).channels.get(request.params.id);
        if (channel?.type !== 'line') throw new TidingsError('not_found', `No LINE channel '${request.params.id}'`);
        const secret = resolveSecret(channel.channel_secret, engine.config.env);
        if (!secret)
          throw new TidingsError(
            'unauthorized',
            `Channel '${channel.id}' has no channel_secret to check signatures with`,
            [{ field: 'channel_secret', message: 'is required to receive webhooks' }],
          );
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const signature = request.headers['x-line-signature'];
        if (typeof signature !== 'string' || !validateSignature(raw, secret, signature)) {
          throw new TidingsError('unauthorized', 'X-Line-Signature does not match the body', [
            { field: 'X-Line-Signature', message: typeof signature === 'string' ? 'does not match' : 'is missing' },
          ]);
        }
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch (error) {
          throw new TidingsError('invalid_input', `The request body is not valid JSON: ${(error as Error).message}`, [
            { field: '(body)', message: 'is not JSON' },
          ]);
        }
        const events = (body as { events?: unknown })?.events;
        if (!Array.isArray(events))
          throw new TidingsError('invalid_input', "'events' must be an array of LINE webhook events", [
            { field: 'events', message: 'must be an array' },
          ]);
        const problems = lineEventProblems(events);
        if (problems.length > 0)
          throw new TidingsError(
            'invalid_input',
            `Malformed LINE webhook events: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
            problems,
          );
        return receiveLineEvents(engine, channel, events as webhook.Event[]);
      },
    );
  };
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}
