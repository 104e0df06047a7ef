import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import { TidingsError } from '../../core/errors.ts';
import { Slug } from '../../schemas/common.ts';
import type { Broadcast, MessageRow, SandboxMessage, TimelineRow } from '../../store/campaign-store.ts';

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }));
const TimelineQuery = Type.Object({ campaign_id: Type.Optional(Slug), limit: Limit }, { additionalProperties: false });
const MessagesQuery = Type.Object(
  {
    campaign_id: Type.Optional(Slug),
    user_id: Type.Optional(Type.String({ minLength: 1 })),
    channel_id: Type.Optional(Slug),
    limit: Limit,
  },
  { additionalProperties: false },
);
const SandboxQuery = Type.Object(
  { channel_id: Type.Optional(Slug), to: Type.Optional(Type.String({ minLength: 1 })), limit: Limit },
  { additionalProperties: false },
);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function presentTimeline(row: TimelineRow) {
  return {
    ...row.details,
    at: iso(row.at),
    campaign_id: row.campaign_id,
    outcome: row.outcome,
    reason: row.reason,
    entry_id: row.entry_id,
    message_id: row.message_id,
  };
}

function presentMessage(m: MessageRow) {
  return {
    ...m.details,
    id: m.id,
    campaign_id: m.campaign_id,
    user_id: m.user_id,
    channel_id: m.channel_id,
    channel_type: m.channel_type,
    to: m.recipient,
    state: m.state,
    attempts: m.attempts,
    provider_message_id: m.provider_message_id,
    error_code: m.error_code,
    error_message: m.error_message,
    payload: m.payload,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
  };
}

const presentSandbox = (m: SandboxMessage) => ({
  message_id: m.message_id,
  channel_id: m.channel_id,
  channel_type: m.channel_type,
  to: m.recipient,
  payload: m.payload,
  received_at: iso(m.received_at),
});

const presentBroadcast = (b: Broadcast) => ({
  dispatch_id: b.dispatch_id,
  campaign_id: b.campaign_id,
  state: b.state,
  recipients: b.recipients,
  trigger_properties: b.properties,
  created_at: iso(b.created_at),
  updated_at: iso(b.updated_at),
});

/** What the campaign engine did and why: per user, per campaign, per message, and the sandbox inbox. */
export function campaignActivityRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { id: string }; Querystring: Static<typeof TimelineQuery> }>(
      '/users/:id/timeline',
      {
        schema: {
          tags: ['Users'],
          params: Type.Object({ id: Type.String({ minLength: 1 }) }),
          querystring: TimelineQuery,
          summary: 'Every campaign decision about a user, newest first, with its reason',
        },
      },
      async (request) => {
        const rows = await engine.store.read((r) =>
          r.campaigns.listTimeline(request.params.id, {
            limit: request.query.limit,
            campaignId: request.query.campaign_id,
          }),
        );
        return { user_id: request.params.id, timeline: rows.map(presentTimeline) };
      },
    );
    app.get<{ Params: { id: string } }>(
      '/campaigns/:id/stats',
      { schema: { tags: ['Campaigns'], params: Type.Object({ id: Slug }) } },
      async (request) => {
        const { id } = request.params;
        const [definition, rows] = await engine.store.read(async (r) =>
          Promise.all([r.campaigns.getDefinition('campaign', id), r.campaigns.campaignStats(id)]),
        );
        if (!definition) throw new TidingsError('not_found', `No campaign '${id}'`);
        const outcomes: Record<string, number> = {};
        const reasons: Record<string, number> = {};
        for (const row of rows) {
          outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + row.count;
          if (row.reason !== null) reasons[row.reason] = (reasons[row.reason] ?? 0) + row.count;
        }
        return { campaign_id: id, outcomes, reasons };
      },
    );
    app.get<{ Params: { id: string } }>(
      '/broadcasts/:id',
      {
        schema: {
          tags: ['Campaigns'],
          params: Type.Object({ id: Type.String({ minLength: 1 }) }),
          summary: "A broadcast's progress: running while its audience is decided page by page, then done",
        },
      },
      async (request) => {
        const broadcast = await engine.store.read((r) => r.campaigns.getBroadcast(request.params.id));
        if (!broadcast) throw new TidingsError('not_found', `No broadcast '${request.params.id}'`);
        return presentBroadcast(broadcast);
      },
    );
    app.get<{ Querystring: Static<typeof MessagesQuery> }>(
      '/messages',
      { schema: { tags: ['Messages'], querystring: MessagesQuery, summary: 'The message log, newest first' } },
      async (request) => {
        const rows = await engine.store.read((r) => r.campaigns.listMessages(request.query));
        return { messages: rows.map(presentMessage) };
      },
    );
    app.get<{ Querystring: Static<typeof SandboxQuery> }>(
      '/sandbox/messages',
      {
        schema: {
          tags: ['Messages'],
          querystring: SandboxQuery,
          summary: 'What the sandbox received: the exact provider payloads',
        },
      },
      async (request) => {
        const { to, ...rest } = request.query;
        const rows = await engine.store.read((r) => r.campaigns.listSandboxMessages({ ...rest, recipient: to }));
        return { messages: rows.map(presentSandbox) };
      },
    );
  };
}
