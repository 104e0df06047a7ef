import { Type, type Static } from '@sinclair/typebox';
import type { Json } from '../core/user.ts';
import { CAMPAIGN_STATUSES, DelaySchema, ExceptionSchema, TimeWindowSchema, TriggerSchema } from './campaign.ts';
import { Slug } from './common.ts';
import { MessageSchema } from './content.ts';
import { userFilterSchema } from './filters.ts';

/** One validator may not meet a recursive `$id` at two places (see userFilterSchema): a copy per place. */
const SplitFilter = userFilterSchema('CanvasSplitFilter');
const PathFilter = userFilterSchema('CanvasPathFilter');
/**
 * A campaign's trigger and message without the `$id` the campaign schema gives them: a canvas has
 * triggers at two places, and an apply bundle holds campaigns and canvases together.
 */
const CanvasTrigger = Type.Union([...TriggerSchema.anyOf]);
const CanvasMessage = Type.Object(MessageSchema.properties, { additionalProperties: false });
const Instant = Type.String({ format: 'date-time', description: 'ISO 8601 with an offset' });
const JsonValue = Type.Unsafe<Json>({ description: 'any JSON value' });
const JsonObject = Type.Record(Type.String(), JsonValue);

const StepRef = Type.String({ pattern: Slug.pattern, description: 'a step id of this canvas' });
const Next = Type.Optional(
  Type.Union([StepRef, Type.Null()], { description: 'the step that follows; null or absent ends the journey' }),
);

const audience = (filterId: string) =>
  Type.Object(
    {
      segment: Type.Optional(Slug),
      filters: Type.Optional(Type.Array(userFilterSchema(filterId), { maxItems: 50 })),
    },
    { additionalProperties: false, description: "a campaign's audience" },
  );

const MessageStepSchema = Type.Object(
  {
    type: Type.Literal('message'),
    message: CanvasMessage,
    time_window: Type.Optional(Type.Union([TimeWindowSchema, Type.Null()])),
    next: Next,
    on_failure: Type.Optional(
      Type.Union([StepRef, Type.Null()], { description: 'taken instead of next when the send fails' }),
    ),
  },
  { additionalProperties: false },
);
const DelayStepSchema = Type.Object(
  { type: Type.Literal('delay'), delay: DelaySchema, next: Next },
  { additionalProperties: false },
);
const ActionPathsStepSchema = Type.Object(
  {
    type: Type.Literal('action_paths'),
    window_seconds: Type.Integer({ minimum: 1, description: 'at most 31 days' }),
    ranked: Type.Optional(Type.Boolean({ description: 'absent: false' })),
    groups: Type.Array(
      Type.Object(
        { id: Slug, trigger: CanvasTrigger, next: Next, exit: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    everyone_else: Next,
  },
  { additionalProperties: false },
);
const DecisionSplitStepSchema = Type.Object(
  { type: Type.Literal('decision_split'), filter: SplitFilter, yes: Next, no: Next },
  { additionalProperties: false },
);
const AudiencePathsStepSchema = Type.Object(
  {
    type: Type.Literal('audience_paths'),
    paths: Type.Array(Type.Object({ id: Slug, filter: PathFilter, next: Next }, { additionalProperties: false }), {
      minItems: 1,
      description: 'at most 8',
    }),
    everyone_else: Next,
  },
  { additionalProperties: false },
);
const ExperimentStepSchema = Type.Object(
  {
    type: Type.Literal('experiment'),
    paths: Type.Array(
      Type.Object(
        { id: Slug, percent: Type.Number({ minimum: 0, maximum: 100 }), next: Next },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20, description: 'percents sum to 100' },
    ),
  },
  { additionalProperties: false },
);
const UserUpdateStepSchema = Type.Object(
  {
    type: Type.Literal('user_update'),
    attributes: Type.Optional(JsonObject),
    events: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 255 }),
            properties: Type.Optional(JsonObject),
            time: Type.Optional(Instant),
          },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
    purchases: Type.Optional(Type.Array(JsonObject, { maxItems: 50 })),
    subscription_groups: Type.Optional(
      Type.Array(
        Type.Object(
          {
            subscription_group_id: Slug,
            subscription_state: Type.Union([Type.Literal('subscribed'), Type.Literal('unsubscribed')]),
          },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
    next: Next,
  },
  { additionalProperties: false },
);

export const CanvasStepSchema = Type.Union([
  MessageStepSchema,
  DelayStepSchema,
  ActionPathsStepSchema,
  DecisionSplitStepSchema,
  AudiencePathsStepSchema,
  ExperimentStepSchema,
  UserUpdateStepSchema,
]);
export type CanvasStep = Static<typeof CanvasStepSchema>;

/** Kept for the next step of issue 11 (moving waiting instances to a new version); only its shape is checked. */
const MigrateSchema = Type.Object(
  {
    from: Type.Union([Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1000 }), Type.Literal('all')]),
    steps: Type.Record(StepRef, Type.Union([StepRef, Type.Literal('exit')])),
    timers: Type.Optional(Type.Union([Type.Literal('keep'), Type.Literal('recompute')])),
  },
  { additionalProperties: false },
);

export const CanvasSchema = Type.Object(
  {
    id: Slug,
    name: Type.String({ minLength: 1, maxLength: 255 }),
    status: Type.Union(CAMPAIGN_STATUSES.map((s) => Type.Literal(s))),
    entry: Type.Object(
      {
        trigger: CanvasTrigger,
        audience: Type.Optional(audience('CanvasEntryFilter')),
        reentry: Type.Optional(
          Type.Union(
            [
              Type.Object({ after_seconds: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
              Type.Null(),
            ],
            { description: 'null or absent: once per user, ever; 0: every trigger' },
          ),
        ),
        starts_at: Type.Optional(Type.Union([Instant, Type.Null()])),
        ends_at: Type.Optional(Type.Union([Instant, Type.Null()])),
      },
      { additionalProperties: false },
    ),
    exit: Type.Optional(
      Type.Object(
        {
          exceptions: Type.Optional(Type.Array(ExceptionSchema, { maxItems: 20 })),
          audience: Type.Optional(audience('CanvasExitFilter')),
        },
        { additionalProperties: false },
      ),
    ),
    first_step: StepRef,
    steps: Type.Record(StepRef, CanvasStepSchema, { minProperties: 1, description: 'by id; at most 200' }),
    migrate: Type.Optional(MigrateSchema),
  },
  { additionalProperties: false, $id: 'Canvas' },
);
export type Canvas = Static<typeof CanvasSchema>;
