import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { DateTime } from 'luxon';
import { invalidInput, TidingsError, type FieldProblem } from '../../core/errors.ts';
import { contentBlockReferences } from '../../core/templates/index.ts';
import { applyDefinitions } from '../../engine/campaigns/definitions.ts';
import type { Engine } from '../../engine/engine.ts';
import { Slug } from '../../schemas/common.ts';
import type { ContentBlock } from '../../schemas/content.ts';
import type { DefinitionRow } from '../../core/definition-row.ts';
import { requirePermission } from '../auth.ts';

/**
 * Braze's Content Blocks API (`/content_blocks/*`) over Tidings' content blocks: the same
 * documents as `/v1/content_blocks/{name}`, written through the same `applyDefinitions`. A
 * block's `content_block_id` is its name (see docs/decisions.md).
 */

const TAGS = ['Braze-compatible'];

const Name = Type.String({
  pattern: Slug.pattern,
  description: `${Slug.description}; also the block's content_block_id`,
});
const Description = Type.String({ maxLength: 249, description: 'less than 250 characters (Braze)' });
const Content = Type.String({ maxLength: 100_000, description: 'HTML or text; Liquid' });
const State = Type.Union([Type.Literal('active'), Type.Literal('draft')], {
  description: 'a label: a draft block renders like an active one',
});
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100 });

const CreateSchema = Type.Object(
  {
    name: Name,
    content: Content,
    description: Type.Optional(Description),
    state: Type.Optional(State),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const UpdateSchema = Type.Object(
  {
    content_block_id: Type.String({ minLength: 1 }),
    name: Type.Optional(Name),
    content: Type.Optional(Content),
    description: Type.Optional(Description),
    state: Type.Optional(State),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    modified_after: Type.Optional(Type.String({ description: 'ISO 8601; without a zone, UTC' })),
    modified_before: Type.Optional(Type.String({ description: 'ISO 8601; without a zone, UTC' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);
const InfoQuery = Type.Object(
  {
    content_block_id: Type.String({ minLength: 1 }),
    include_inclusion_data: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
type CreateRequest = Static<typeof CreateSchema>;
type UpdateRequest = Static<typeof UpdateSchema>;
type ListRequest = Static<typeof ListQuery>;
type InfoRequest = Static<typeof InfoQuery>;

const iso = (ms: number) => new Date(ms).toISOString();
const liquidTag = (name: string) => `{{content_blocks.\${${name}}}}`;
// A tag opening (`<p`, `</`, `<!--`) is what makes content HTML; a lone `<` in text does not.
const contentType = (template: string) => (/<[A-Za-z!/]/.test(template) ? 'html' : 'text');

/** Every string anywhere in a document (a campaign's templates, wherever its schema puts them). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) strings(item, out);
  return out;
}

/** For each block name, the campaigns whose templates include it. */
function inclusions(campaigns: Array<DefinitionRow<unknown>>): Map<string, string[]> {
  const byBlock = new Map<string, string[]>();
  for (const campaign of campaigns) {
    const names = new Set(strings(campaign.document).flatMap((text) => contentBlockReferences(text)));
    for (const name of names) byBlock.set(name, [...(byBlock.get(name) ?? []), campaign.id]);
  }
  return byBlock;
}

function parseInstant(field: string, value: string | undefined, problems: FieldProblem[]): number | undefined {
  if (value === undefined) return undefined;
  const parsed = DateTime.fromISO(value, { zone: 'utc' });
  if (parsed.isValid) return parsed.toMillis();
  problems.push({
    field,
    message: `must be an ISO 8601 time such as 2026-01-01T00:00:00Z; got ${JSON.stringify(value)}`,
  });
  return undefined;
}

const notFound = (id: string) =>
  new TidingsError('not_found', `No content block with content_block_id '${id}'`, [
    { field: 'content_block_id', message: 'names no content block' },
  ]);

/**
 * Applies one block through the one definitions path. Its refusals name the document's fields
 * (`content_blocks[NAME].template`); a Braze client knows them as `content` and `description`.
 */
async function applyBlock(engine: Engine, block: ContentBlock): Promise<void> {
  try {
    await applyDefinitions(engine, { content_blocks: [block] });
  } catch (error) {
    if (!(error instanceof TidingsError) || error.code !== 'invalid_input') throw error;
    const prefix = `content_blocks[${block.id}].`;
    const rename = (text: string) =>
      text.replaceAll(`${prefix}template`, 'content').replaceAll(`${prefix}description`, 'description');
    const errors = (error.errors as FieldProblem[] | undefined)?.map((p) => ({
      field: rename(p.field),
      message: rename(p.message),
    }));
    throw new TidingsError('invalid_input', rename(error.message), errors);
  }
}

/** Braze's answer to a create or an update. */
function writeAnswer(id: string, at: number) {
  return { content_block_id: id, liquid_tag: liquidTag(id), created_at: iso(at), message: 'success' };
}

export function brazeContentBlockRoutes(engine: Engine): FastifyPluginAsync {
  const getBlock = (id: string) =>
    engine.store.read((r) => r.campaigns.getDefinition<ContentBlock>('content_block', id));

  return async (app) => {
    app.post<{ Body: CreateRequest }>(
      '/content_blocks/create',
      {
        schema: { body: CreateSchema, tags: TAGS, summary: 'Create a content block (Braze /content_blocks/create)' },
        onRequest: requirePermission(engine, 'content_blocks.create'),
      },
      async (request, reply) => {
        const { name, content, description, state, tags } = request.body;
        if (await getBlock(name))
          throw new TidingsError(
            'conflict',
            `A content block named '${name}' exists; change it with POST /content_blocks/update`,
            [{ field: 'name', message: 'is taken: a name is not reused' }],
          );
        const createdAt = engine.clock.now();
        await applyBlock(engine, {
          id: name,
          template: content,
          ...(description !== undefined ? { description } : {}),
          ...(tags !== undefined ? { tags } : {}),
          state: state ?? 'active',
        });
        return reply.status(201).send(writeAnswer(name, createdAt));
      },
    );

    app.post<{ Body: UpdateRequest }>(
      '/content_blocks/update',
      {
        schema: { body: UpdateSchema, tags: TAGS, summary: 'Update a content block (Braze /content_blocks/update)' },
        onRequest: requirePermission(engine, 'content_blocks.update'),
      },
      async (request) => {
        const { content_block_id: id, name, content, description, state, tags } = request.body;
        if (name !== undefined && name !== id)
          throw invalidInput('Invalid request body', [
            { field: 'name', message: `cannot change: a content block's name is its content_block_id '${id}'` },
          ]);
        const before = await getBlock(id);
        if (!before) throw notFound(id);
        const block: ContentBlock = {
          ...before.document,
          ...(content !== undefined ? { template: content } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(state !== undefined ? { state } : {}),
          ...(tags !== undefined ? { tags } : {}),
        };
        await applyBlock(engine, block);
        // Tidings keeps when a definition last changed, not when it was made (docs/decisions.md).
        return writeAnswer(id, before.updated_at);
      },
    );

    app.get<{ Querystring: ListRequest }>(
      '/content_blocks/list',
      {
        schema: { querystring: ListQuery, tags: TAGS, summary: 'List content blocks (Braze /content_blocks/list)' },
        onRequest: requirePermission(engine, 'content_blocks.list'),
      },
      async (request) => {
        const problems: FieldProblem[] = [];
        const after = parseInstant('modified_after', request.query.modified_after, problems);
        const before = parseInstant('modified_before', request.query.modified_before, problems);
        if (problems.length > 0) throw invalidInput('Invalid query string', problems);
        const { limit = 100, offset = 0 } = request.query;
        const [blocks, campaigns] = await engine.store.read((r) =>
          Promise.all([
            r.campaigns.listDefinitions<ContentBlock>('content_block'),
            r.campaigns.listDefinitions('campaign'),
          ]),
        );
        const included = inclusions(campaigns);
        const page = blocks
          .filter(
            (row) =>
              (after === undefined || row.updated_at >= after) && (before === undefined || row.updated_at <= before),
          )
          .slice(offset, offset + limit);
        return {
          count: page.length,
          content_blocks: page.map((row) => ({
            content_block_id: row.id,
            name: row.id,
            content_type: contentType(row.document.template),
            liquid_tag: liquidTag(row.id),
            inclusion_count: included.get(row.id)?.length ?? 0,
            created_at: iso(row.updated_at),
            last_edited: iso(row.updated_at),
            tags: row.document.tags ?? [],
          })),
          message: 'success',
        };
      },
    );

    app.get<{ Querystring: InfoRequest }>(
      '/content_blocks/info',
      {
        schema: {
          querystring: InfoQuery,
          tags: TAGS,
          summary: "A content block's details (Braze /content_blocks/info)",
        },
        onRequest: requirePermission(engine, 'content_blocks.info'),
      },
      async (request) => {
        const id = request.query.content_block_id;
        const [row, campaigns] = await engine.store.read((r) =>
          Promise.all([
            r.campaigns.getDefinition<ContentBlock>('content_block', id),
            r.campaigns.listDefinitions('campaign'),
          ]),
        );
        if (!row) throw notFound(id);
        const including = inclusions(campaigns).get(id) ?? [];
        return {
          content_block_id: id,
          name: id,
          content: row.document.template,
          description: row.document.description ?? '',
          content_type: contentType(row.document.template),
          tags: row.document.tags ?? [],
          created_at: iso(row.updated_at),
          last_edited: iso(row.updated_at),
          inclusion_count: including.length,
          ...(request.query.include_inclusion_data
            ? { inclusion_data: including.map((campaign_id) => ({ campaign_id })) }
            : {}),
          message: 'success',
        };
      },
    );
  };
}
