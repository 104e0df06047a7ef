import { Type, type TSchema } from '@sinclair/typebox';
import { UserAliasSchema } from './common.ts';

/**
 * The three /users/track objects. Types only: the rules behind them (phone numbers, time zones,
 * custom attribute operations…) are in src/core, and each object is checked on its own.
 */
const Identifiers = {
  external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  user_alias: Type.Optional(UserAliasSchema),
  braze_id: Type.Optional(Type.String({ minLength: 1 })),
  _update_existing_only: Type.Optional(Type.Boolean()),
};

export const TrackAttributesSchema = Type.Object(
  {
    ...Identifiers,
    email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    first_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    last_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    line_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    dob: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    gender: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    country: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    language: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    home_city: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    time_zone: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    email_subscribe: Type.Optional(
      Type.Union([Type.Literal('opted_in'), Type.Literal('subscribed'), Type.Literal('unsubscribed'), Type.Null()]),
    ),
    subscription_groups: Type.Optional(
      Type.Array(
        Type.Object({
          subscription_group_id: Type.String(),
          subscription_state: Type.Union([Type.Literal('subscribed'), Type.Literal('unsubscribed')]),
        }),
      ),
    ),
  },
  {
    $id: 'TrackAttributes',
    additionalProperties: true,
    description:
      'Any other key is a custom attribute: a value, null, {"inc": n}, an array, {"add": [...]}, {"remove": [...]} or a nested object.',
  },
);

export const TrackEventSchema = Type.Object(
  {
    ...Identifiers,
    email: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String()),
    app_id: Type.Optional(Type.String()),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    time: Type.String({ description: 'ISO 8601; a time without offset is UTC; a future time is recorded as now' }),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'TrackEvent', additionalProperties: false },
);

export const TrackPurchaseSchema = Type.Object(
  {
    ...Identifiers,
    email: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String()),
    app_id: Type.Optional(Type.String()),
    product_id: Type.String({ minLength: 1, maxLength: 255 }),
    currency: Type.String({ description: 'ISO 4217 code' }),
    price: Type.Number(),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
    time: Type.String(),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'TrackPurchase', additionalProperties: false },
);

export const TRACK_OBJECT_SCHEMAS: Record<'attributes' | 'events' | 'purchases', TSchema> = {
  attributes: TrackAttributesSchema,
  events: TrackEventSchema,
  purchases: TrackPurchaseSchema,
};
