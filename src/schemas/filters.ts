import { Type, type Static } from '@sinclair/typebox';
import { Slug } from './common.ts';

export const FILTER_OPS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'in',
  'not_in',
  'exists',
  'not_exists',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'regex',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

const Op = Type.Union(
  FILTER_OPS.map((op) => Type.Literal(op)),
  { description: `one of ${FILTER_OPS.join(', ')}` },
);

/** The test part shared by property and attribute filters. */
const comparison = {
  op: Op,
  value: Type.Optional(
    Type.Unknown({
      description:
        'a number, string or boolean; [low, high] for between; a list for in/not_in; absent for exists/not_exists',
    }),
  ),
  ignore_case: Type.Optional(Type.Boolean({ description: 'string comparisons ignore case' })),
};

/** `{"property": "a.b", "op": "gte", "value": 100}`: a test on the trigger's properties. */
export const PropertyFilterSchema = Type.Object(
  {
    property: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'a property name; dots reach into nested objects',
    }),
    ...comparison,
  },
  { additionalProperties: false },
);
export type PropertyFilter = Static<typeof PropertyFilterSchema>;

const AttributeFilter = Type.Object(
  {
    attribute: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'a standard attribute (first_name, country, …) or a custom one (custom.plan, or plan)',
    }),
    ...comparison,
  },
  { additionalProperties: false },
);
const SubscriptionFilter = Type.Object(
  { subscription_group: Slug, state: Type.Union([Type.Literal('subscribed'), Type.Literal('unsubscribed')]) },
  { additionalProperties: false },
);
const ReceivedCampaignFilter = Type.Object(
  { received_campaign: Slug, within_seconds: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);

/**
 * A test on a user: attribute, subscription state, campaigns received, and all/any/not of those.
 * Recursive schemas carry an `$id`, and one validator may not see the same `$id` twice, so each
 * schema that embeds user filters makes its own copy under its own id.
 */
export const userFilterSchema = ($id: string) =>
  Type.Recursive(
    (Self) =>
      Type.Union([
        AttributeFilter,
        SubscriptionFilter,
        ReceivedCampaignFilter,
        Type.Object({ all: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
        Type.Object({ any: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
        Type.Object({ not: Self }, { additionalProperties: false }),
      ]),
    { $id },
  );
export const UserFilterSchema = userFilterSchema('UserFilter');
export type UserFilter = Static<typeof UserFilterSchema>;
export type AttributeFilter = Static<typeof AttributeFilter>;

export const SegmentSchema = Type.Object(
  {
    id: Slug,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    filters: Type.Array(userFilterSchema('SegmentUserFilter'), { description: 'all must hold' }),
  },
  { additionalProperties: false, $id: 'Segment' },
);
export type Segment = Static<typeof SegmentSchema>;
