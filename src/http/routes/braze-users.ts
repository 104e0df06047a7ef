import type { FastifyPluginAsync } from 'fastify';
import type { ItemError } from '../../core/item-error.ts';
import { TRACK_ARRAYS, type TrackItems } from '../../core/track.ts';
import type { Engine } from '../../engine/engine.ts';
import { triggerSend, type TriggerSendRequest } from '../../engine/campaigns/trigger-send.ts';
import { track } from '../../engine/track.ts';
import { addAliases, deleteUsers, exportUsers, identify, setSubscriptionStatus } from '../../engine/users.ts';
import { invalidInput, TidingsError } from '../../core/errors.ts';
import { findJsonProblem, formatPath, objectTooLarge } from '../../core/json-limits.ts';
import {
  AliasNewRequestSchema,
  DeleteRequestSchema,
  TriggerSendRequestSchema,
  ExportIdsRequestSchema,
  IdentifyRequestSchema,
  SubscriptionStatusSetRequestSchema,
  TrackRequestSchema,
  type AliasNewRequest,
  type DeleteRequest,
  type ExportIdsRequest,
  type IdentifyRequest,
  type SubscriptionStatusSetRequest,
  type TrackRequest,
} from '../../schemas/braze-users.ts';
import { TRACK_OBJECT_SCHEMAS } from '../../schemas/track-objects.ts';
import { requirePermission } from '../auth.ts';
import type { Metrics } from '../metrics.ts';
import { presentBrazeExport } from '../present-user.ts';
import { capErrors, checkValue, type FieldError } from '../validation.ts';

const TAGS = ['Braze-compatible'];

/** Checks each /users/track object on its own: a bad one becomes an item error, the rest go on. */
function checkTrackObjects(body: TrackRequest): { items: TrackItems; errors: ItemError[] } {
  const items: TrackItems = { attributes: [], events: [], purchases: [] };
  const errors: ItemError[] = [];
  for (const array of TRACK_ARRAYS) {
    (body[array] ?? []).forEach((value, index) => {
      const limit = findJsonProblem(value);
      if (limit) {
        errors.push({ type: `'${formatPath(limit.path) || '(object)'}' ${limit.why}`, input_array: array, index });
        return;
      }
      const problems = checkValue(TRACK_OBJECT_SCHEMAS[array], value, '', MAX_PROBLEMS_PER_ITEM);
      if (problems) errors.push({ type: describeProblems(problems), input_array: array, index });
      else items[array].push({ index, value: value as Record<string, unknown> });
    });
  }
  return { items, errors };
}

/** An item's error names its first few problems; the request's 50 errors then stay short. */
const MAX_PROBLEMS_PER_ITEM = 10;

function describeProblems({ errors, more }: { errors: FieldError[]; more: number }): string {
  return errors.map((p) => `'${p.field}' ${p.message}`).join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** Braze: `trigger_properties` at most 50 KB, the request's and each recipient's. */
function checkTriggerPropertiesSize(body: TriggerSendRequest): void {
  const objects: Array<[string, unknown]> = [['trigger_properties', body.trigger_properties]];
  for (const [i, recipient] of (body.recipients ?? []).entries())
    objects.push([`recipients[${i}].trigger_properties`, recipient.trigger_properties]);
  const problems = objects.flatMap(([field, value]) => {
    const tooLarge = value === undefined ? null : objectTooLarge(value);
    return tooLarge ? [{ field, message: tooLarge }] : [];
  });
  if (problems.length > 0) throw invalidInput('Invalid request body', problems);
}

const ORDER = Object.fromEntries(TRACK_ARRAYS.map((a, i) => [a, i]));
const byPosition = (a: ItemError, b: ItemError) =>
  (ORDER[a.input_array] ?? 9) - (ORDER[b.input_array] ?? 9) || a.index - b.index;

export function brazeUserRoutes(engine: Engine, metrics: Metrics): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: TrackRequest }>(
      '/users/track',
      {
        schema: {
          body: TrackRequestSchema,
          tags: TAGS,
          summary: 'Record attributes, events and purchases (Braze /users/track)',
        },
        config: { tooManyItemsMessage: 'Max Input Length Exceeded', jsonLimitsPerItem: true },
        onRequest: requirePermission(engine, 'users.track'),
      },
      async (request, reply) => {
        const { items, errors } = checkTrackObjects(request.body);
        const plan = await track(engine, items);
        const purchases = plan.events.filter((e) => e.source === 'api' && e.purchase !== null).length;
        metrics.eventsIngested.inc({ kind: 'custom' }, plan.processed.events);
        if (purchases > 0) metrics.eventsIngested.inc({ kind: 'purchase' }, purchases);
        const response: Record<string, unknown> = { message: 'success' };
        for (const array of TRACK_ARRAYS)
          if (request.body[array] !== undefined) response[`${array}_processed`] = plan.processed[array];
        const allErrors = capErrors([...errors, ...plan.errors].sort(byPosition));
        if (allErrors.errors.length > 0) response.errors = allErrors.errors;
        if (allErrors.more > 0) response.more_errors = allErrors.more;
        return reply.status(201).send(response);
      },
    );

    app.post<{ Body: AliasNewRequest }>(
      '/users/alias/new',
      {
        schema: { body: AliasNewRequestSchema, tags: TAGS, summary: 'Add aliases, or create alias-only users' },
        onRequest: requirePermission(engine, 'users.alias.new'),
      },
      async (request, reply) => {
        const result = await addAliases(engine, request.body.user_aliases);
        return reply.status(201).send({
          aliases_processed: result.processed,
          message: 'success',
          ...(result.errors.length ? { errors: result.errors } : {}),
        });
      },
    );

    app.post<{ Body: IdentifyRequest }>(
      '/users/identify',
      {
        schema: {
          body: IdentifyRequestSchema,
          tags: TAGS,
          summary: 'Identify unidentified users (alias, email or phone), merging when the external_id exists',
        },
        onRequest: requirePermission(engine, 'users.identify'),
      },
      async (request, reply) => {
        const body = request.body;
        const total =
          (body.aliases_to_identify?.length ?? 0) +
          (body.emails_to_identify?.length ?? 0) +
          (body.phone_numbers_to_identify?.length ?? 0);
        if (total === 0)
          throw new TidingsError(
            'invalid_input',
            'Nothing to identify: give aliases_to_identify, emails_to_identify or phone_numbers_to_identify',
            [
              {
                field: 'aliases_to_identify',
                message: 'is required (or emails_to_identify / phone_numbers_to_identify)',
              },
            ],
          );
        if (total > 50)
          throw new TidingsError('invalid_input', 'The max number of ids per request was exceeded: at most 50 in all', [
            { field: '(body)', message: `${total} items; at most 50` },
          ]);
        const result = await identify(engine, body);
        const response: Record<string, unknown> = { aliases_processed: result.aliases_processed, message: 'success' };
        if (body.emails_to_identify) response.emails_processed = result.emails_processed;
        if (body.phone_numbers_to_identify) response.phone_numbers_processed = result.phone_numbers_processed;
        if (result.errors.length > 0) response.errors = result.errors;
        if (result.notes.length > 0) response.notes = result.notes;
        return reply.status(201).send(response);
      },
    );

    app.post<{ Body: DeleteRequest }>(
      '/users/delete',
      {
        schema: { body: DeleteRequestSchema, tags: TAGS, summary: 'Delete users and everything personal about them' },
        onRequest: requirePermission(engine, 'users.delete'),
      },
      async (request, reply) => {
        const body = request.body;
        const given = (['external_ids', 'user_aliases', 'braze_ids'] as const).filter((k) => body[k] !== undefined);
        if (given.length !== 1)
          throw new TidingsError('invalid_input', 'Give exactly one of external_ids, user_aliases, braze_ids', [
            {
              field: given.join(', ') || 'external_ids',
              message: 'exactly one of external_ids, user_aliases, braze_ids',
            },
          ]);
        const result = await deleteUsers(engine, body);
        return reply.status(201).send({
          deleted: result.deleted,
          message: 'success',
          ...(result.errors.length ? { errors: result.errors } : {}),
        });
      },
    );

    app.post<{ Body: ExportIdsRequest }>(
      '/users/export/ids',
      {
        schema: { body: ExportIdsRequestSchema, tags: TAGS, summary: 'Export user profiles by identifier' },
        onRequest: requirePermission(engine, 'users.export.ids'),
      },
      async (request, reply) => {
        const body = request.body;
        const total = (body.external_ids?.length ?? 0) + (body.user_aliases?.length ?? 0);
        if (total > 50)
          throw new TidingsError(
            'invalid_input',
            'The max number of external_ids and aliases per request was exceeded: at most 50',
            [{ field: 'external_ids', message: `${total} ids; at most 50` }],
          );
        if (
          total === 0 &&
          body.braze_id === undefined &&
          body.email_address === undefined &&
          body.phone === undefined
        ) {
          throw new TidingsError(
            'invalid_input',
            'Name the users to export: external_ids, user_aliases, braze_id, email_address or phone',
            [{ field: 'external_ids', message: 'is required (or another identifier)' }],
          );
        }
        const result = await exportUsers(engine, body);
        return reply.status(201).send({
          users: result.users.map((u) => presentBrazeExport(u, body.fields_to_export)),
          invalid_user_ids: result.invalid_user_ids,
          message: 'success',
        });
      },
    );

    app.post<{ Body: TriggerSendRequest }>(
      '/campaigns/trigger/send',
      {
        schema: {
          body: TriggerSendRequestSchema,
          tags: ['Campaigns'],
          summary: "Trigger an API-triggered campaign for up to 50 recipients, or its whole audience ('broadcast')",
        },
        onRequest: requirePermission(engine, 'campaigns.trigger.send'),
      },
      async (request, reply) => {
        const body = request.body;
        checkTriggerPropertiesSize(body);
        if (body.broadcast && body.recipients !== undefined) {
          throw new TidingsError(
            'invalid_input',
            "'recipients' must be left out when 'broadcast' is true: a broadcast goes to the campaign's whole audience",
            [{ field: 'recipients', message: "must be left out with 'broadcast': true" }],
          );
        }
        if (!body.broadcast && (!body.recipients || body.recipients.length === 0)) {
          throw new TidingsError('invalid_input', "'recipients' is required when 'broadcast' is not true", [
            { field: 'recipients', message: 'is required' },
          ]);
        }
        for (const [i, recipient] of (body.recipients ?? []).entries()) {
          const named = (['external_user_id', 'user_alias'] as const).filter((k) => recipient[k] !== undefined);
          if (named.length !== 1)
            throw new TidingsError(
              'invalid_input',
              `'recipients[${i}]' needs exactly one of external_user_id, user_alias`,
              [{ field: `recipients[${i}]`, message: 'exactly one of external_user_id, user_alias' }],
            );
          if (recipient.send_to_existing_only === false && recipient.attributes === undefined) {
            throw new TidingsError(
              'invalid_input',
              `'recipients[${i}].attributes' is required when send_to_existing_only is false`,
              [{ field: `recipients[${i}].attributes`, message: 'is required with send_to_existing_only: false' }],
            );
          }
        }
        const result = await triggerSend(engine, body);
        return reply.status(201).send({ dispatch_id: result.dispatch_id, message: 'success' });
      },
    );

    app.post<{ Body: SubscriptionStatusSetRequest }>(
      '/subscription/status/set',
      {
        schema: {
          body: SubscriptionStatusSetRequestSchema,
          tags: TAGS,
          summary: "Set users' state in a subscription group",
        },
        onRequest: requirePermission(engine, 'subscription.status.set'),
      },
      async (request, reply) => {
        const body = request.body;
        if (body.email !== undefined && body.phone !== undefined) {
          throw new TidingsError(
            'invalid_input',
            'Either an email address or a phone number should be provided, but not both.',
            [{ field: 'phone', message: 'not allowed together with email' }],
          );
        }
        if (body.external_id === undefined && body.email === undefined && body.phone === undefined) {
          throw new TidingsError('invalid_input', 'Name the users: external_id, email or phone', [
            { field: 'external_id', message: 'is required (or email / phone)' },
          ]);
        }
        await setSubscriptionStatus(engine, body);
        return reply.status(201).send({ message: 'success' });
      },
    );
  };
}
