import { Type, type Static, type TObject } from '@sinclair/typebox';
import { Slug } from './common.ts';
import { MessageSchema } from './content.ts';
import { PropertyFilterSchema, userFilterSchema } from './filters.ts';

const Filters = Type.Optional(Type.Array(PropertyFilterSchema, { maxItems: 50, description: 'all must hold' }));
const LocalTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour' });
const ZoneChoice = Type.Union([Type.Literal('user'), Type.Literal('company')], {
  description: "the user's time_zone (else the company's), or the company's",
});
const Instant = Type.String({ format: 'date-time', description: 'ISO 8601 with an offset' });

export const CustomEventTrigger = Type.Object(
  { type: Type.Literal('custom_event'), event: Type.String({ minLength: 1, maxLength: 255 }), filters: Filters },
  { additionalProperties: false },
);
export const PurchaseTrigger = Type.Object(
  {
    type: Type.Literal('purchase'),
    product_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    filters: Filters,
  },
  { additionalProperties: false },
);
const SessionStartTrigger = Type.Object(
  { type: Type.Literal('session_start'), filters: Filters },
  { additionalProperties: false },
);
const InboundMessageTrigger = Type.Object(
  {
    type: Type.Literal('inbound_message'),
    channel_type: Type.Union([Type.Literal('line'), Type.Literal('sms')]),
    channel: Type.Optional(Slug),
    subscription_group: Type.Optional(Slug),
    trigger_words: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 100 }),
    ),
    match: Type.Optional(Type.Union([Type.Literal('exact'), Type.Literal('contains'), Type.Literal('regex')])),
    unrecognized: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const EmailAddedTrigger = Type.Object({ type: Type.Literal('email_added') }, { additionalProperties: false });
const SubscriptionChangedTrigger = Type.Object(
  {
    type: Type.Literal('subscription_changed'),
    subscription_group: Slug,
    state: Type.Optional(Type.Union([Type.Literal('subscribed'), Type.Literal('unsubscribed')])),
  },
  { additionalProperties: false },
);
const CampaignInteractionTrigger = Type.Object(
  {
    type: Type.Literal('campaign_interaction'),
    campaign: Slug,
    interaction: Type.Union([Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('failed')]),
  },
  { additionalProperties: false },
);
const ConversionTrigger = Type.Object(
  { type: Type.Literal('conversion'), campaign: Slug },
  { additionalProperties: false },
);
const ExceptionTrigger = Type.Object(
  { type: Type.Literal('exception'), campaign: Slug },
  { additionalProperties: false },
);
const ApiTrigger = Type.Object({ type: Type.Literal('api') }, { additionalProperties: false });

const EVENT_SHAPED = [
  CustomEventTrigger,
  PurchaseTrigger,
  SessionStartTrigger,
  InboundMessageTrigger,
  EmailAddedTrigger,
  SubscriptionChangedTrigger,
  CampaignInteractionTrigger,
  ConversionTrigger,
  ExceptionTrigger,
];

export const TriggerSchema = Type.Union([...EVENT_SHAPED, ApiTrigger], { $id: 'Trigger' });
export type Trigger = Static<typeof TriggerSchema>;
export type TriggerType = Trigger['type'];

/** An exception is trigger-shaped, or `{"type": "conversion"}` alone for this campaign's own conversion events. */
export const ExceptionSchema = Type.Union([
  ...EVENT_SHAPED.filter((t) => t !== ConversionTrigger),
  ConversionTrigger,
  Type.Object({ type: Type.Literal('conversion') }, { additionalProperties: false }),
]);
export type ExceptionDefinition = Static<typeof ExceptionSchema>;

/** A trigger-shaped event that counts as converting, within `within_seconds` of the receipt (default 3 days). */
const withinWindow = <T extends TObject>(shape: T) =>
  Type.Composite([shape, Type.Object({ within_seconds: Type.Optional(Type.Integer({ minimum: 1 })) })], {
    additionalProperties: false,
  });
export const ConversionEventSchema = Type.Union([
  withinWindow(CustomEventTrigger),
  withinWindow(PurchaseTrigger),
  withinWindow(SessionStartTrigger),
  withinWindow(InboundMessageTrigger),
  withinWindow(EmailAddedTrigger),
  withinWindow(SubscriptionChangedTrigger),
  withinWindow(CampaignInteractionTrigger),
  withinWindow(ConversionTrigger),
  withinWindow(ExceptionTrigger),
]);
export type ConversionEvent = Static<typeof ConversionEventSchema>;
export const DEFAULT_CONVERSION_WINDOW_SECONDS = 3 * 86_400;

export const DelaySchema = Type.Union([
  Type.Object(
    { type: Type.Literal('duration'), seconds: Type.Integer({ minimum: 0, maximum: 366 * 86_400 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('next_weekday'),
      weekday: Type.Union(
        ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => Type.Literal(d)),
      ),
      time: LocalTime,
      time_zone: ZoneChoice,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('calendar_days'),
      days: Type.Integer({ minimum: 0, maximum: 366 }),
      time: LocalTime,
      time_zone: ZoneChoice,
    },
    { additionalProperties: false },
  ),
]);
export type Delay = Static<typeof DelaySchema>;

export const TimeWindowSchema = Type.Object(
  { start: LocalTime, end: LocalTime, time_zone: ZoneChoice, send_at_next_available: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, description: 'may cross midnight (22:00–06:00)' },
);
export type TimeWindow = Static<typeof TimeWindowSchema>;

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;

export const CampaignSchema = Type.Object(
  {
    id: Slug,
    name: Type.String({ minLength: 1, maxLength: 255 }),
    status: Type.Union(CAMPAIGN_STATUSES.map((s) => Type.Literal(s))),
    trigger: TriggerSchema,
    audience: Type.Optional(
      Type.Object(
        { segment: Type.Optional(Slug), filters: Type.Optional(Type.Array(userFilterSchema('CampaignUserFilter'))) },
        { additionalProperties: false },
      ),
    ),
    delay: Type.Optional(Type.Union([DelaySchema, Type.Null()])),
    exceptions: Type.Optional(Type.Array(ExceptionSchema, { maxItems: 20 })),
    starts_at: Type.Optional(Type.Union([Instant, Type.Null()])),
    ends_at: Type.Optional(Type.Union([Instant, Type.Null()])),
    time_window: Type.Optional(Type.Union([TimeWindowSchema, Type.Null()])),
    reeligibility: Type.Optional(
      Type.Union(
        [Type.Object({ after_seconds: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), Type.Null()],
        { description: 'null: at most once per user, ever' },
      ),
    ),
    reevaluate_audience_at_send: Type.Optional(Type.Boolean()),
    conversion_events: Type.Optional(Type.Array(ConversionEventSchema, { maxItems: 10 })),
    message: MessageSchema,
  },
  { additionalProperties: false, $id: 'Campaign' },
);
export type Campaign = Static<typeof CampaignSchema>;
