import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import { invalidInput, TidingsError, type FieldProblem } from '../../core/errors.ts';
import { Slug } from '../../schemas/common.ts';
import type { MessageFilter } from '../../store/campaign-store.ts';
import type { Broadcast } from '../../core/campaigns/broadcast.ts';
import type { MessageRow, MessageState, SandboxMessage } from '../../core/message.ts';
import type { TimelineRow } from '../../core/timeline.ts';

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }));
const TimelineQuery = Type.Object({ campaign_id: Type.Optional(Slug), limit: Limit }, { additionalProperties: false });
/** Every state a message can be in (a Record, so the compiler keeps the list whole). */
const STATES: Record<MessageState, true> = { queued: true, sending: true, sent: true, delivered: true, failed: true };
const MESSAGE_STATES = Object.keys(STATES) as MessageState[];

const MessagesQuery = Type.Object(
  {
    campaign_id: Type.Optional(Slug),
    campaign: Type.Optional(Slug),
    user_id: Type.Optional(Type.String({ minLength: 1 })),
    user: Type.Optional(Type.String({ minLength: 1 })),
    channel_id: Type.Optional(Slug),
    status: Type.Optional(Type.String({ description: `one of ${MESSAGE_STATES.join(', ')}` })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: "the previous page's next_cursor" })),
    limit: Limit,
  },
  { additionalProperties: false },
);
type MessagesQuery = Static<typeof MessagesQuery>;
const SandboxFilter = { channel_id: Type.Optional(Slug), to: Type.Optional(Type.String({ minLength: 1 })) };
const SandboxQuery = Type.Object({ ...SandboxFilter, limit: Limit }, { additionalProperties: false });
const SandboxClearQuery = Type.Object(SandboxFilter, { additionalProperties: false });

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

/** The cursor after a message: opaque to clients, the keyset (created_at, id) of the page's last row. */
const encodeCursor = (m: MessageRow): string => Buffer.from(JSON.stringify([m.created_at, m.id])).toString('base64url');

function decodeCursor(cursor: string): MessageFilter['before'] {
  let keyset: unknown;
  try {
    keyset = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    keyset = null;
  }
  if (
    Array.isArray(keyset) &&
    keyset.length === 2 &&
    Number.isSafeInteger(keyset[0]) &&
    typeof keyset[1] === 'string' &&
    keyset[1] !== ''
  )
    return { created_at: keyset[0], id: keyset[1] };
  throw invalidInput('Invalid query string', [
    { field: 'cursor', message: "is not a cursor this server gave: pass a page's next_cursor as it came" },
  ]);
}

const isMessageState = (value: string): value is MessageState => Object.hasOwn(STATES, value);

/** The query's filter for the store; `user`/`campaign` are the spec's names for `user_id`/`campaign_id`. */
function messageFilter(query: MessagesQuery): { filter: MessageFilter; limit: number } {
  const problems: FieldProblem[] = [];
  const either = (short: 'user' | 'campaign'): string | undefined => {
    const long = query[`${short}_id`];
    const given = query[short];
    if (long !== undefined && given !== undefined && long !== given)
      problems.push({ field: short, message: `names the same filter as '${short}_id' and must agree with it` });
    return long ?? given;
  };
  const filter: MessageFilter = {
    user_id: either('user'),
    campaign_id: either('campaign'),
    channel_id: query.channel_id,
  };
  if (query.status !== undefined) {
    if (isMessageState(query.status)) filter.state = query.status;
    else
      problems.push({
        field: 'status',
        message: `must be one of ${MESSAGE_STATES.join(', ')}; got ${JSON.stringify(query.status)}`,
      });
  }
  if (problems.length > 0) throw invalidInput('Invalid query string', problems);
  if (query.cursor !== undefined) filter.before = decodeCursor(query.cursor);
  return { filter, limit: query.limit ?? 100 };
}

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
    app.get<{ Querystring: MessagesQuery }>(
      '/messages',
      {
        schema: {
          tags: ['Messages'],
          querystring: MessagesQuery,
          summary: 'The message log, newest first, a page at a time: pass next_cursor as cursor for the next page',
        },
      },
      async (request) => {
        const { filter, limit } = messageFilter(request.query);
        // One row more than the page tells whether another page follows.
        const rows = await engine.store.read((r) => r.campaigns.listMessages({ ...filter, limit: limit + 1 }));
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          messages: page.map(presentMessage),
          next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
        };
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
    app.delete<{ Querystring: Static<typeof SandboxClearQuery> }>(
      '/sandbox/messages',
      {
        schema: {
          tags: ['Messages'],
          querystring: SandboxClearQuery,
          summary:
            "Empty the sandbox inbox (only a channel's or a recipient's messages, when given); answers how many went",
        },
      },
      async (request) => {
        const { to, channel_id } = request.query;
        const deleted = await engine.store.transaction((tx) =>
          tx.campaigns.clearSandboxMessages({ channel_id, recipient: to }),
        );
        return { deleted };
      },
    );
  };
}
