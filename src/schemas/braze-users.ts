import { Type, type Static } from '@sinclair/typebox';
import { UserAliasSchema } from './common.ts';

/**
 * Request bodies of the Braze-compatible user endpoints. The /users/track objects are checked
 * one by one (see track-objects.ts) so that a bad object is skipped, not the whole request.
 */
const TrackObjectList = (what: string) =>
  Type.Array(
    Type.Object(
      {},
      { additionalProperties: true, description: `${what}; a bad one is skipped and reported in errors[]` },
    ),
    {
      maxItems: 75,
    },
  );

export const TrackRequestSchema = Type.Object(
  {
    attributes: Type.Optional(TrackObjectList('an attributes object (schema TrackAttributes)')),
    events: Type.Optional(TrackObjectList('an event object (schema TrackEvent)')),
    purchases: Type.Optional(TrackObjectList('a purchase object (schema TrackPurchase)')),
  },
  { additionalProperties: false },
);
export type TrackRequest = Static<typeof TrackRequestSchema>;

const ExternalId = Type.String({ minLength: 1, maxLength: 512 });

export const AliasNewRequestSchema = Type.Object(
  {
    user_aliases: Type.Array(
      Type.Object(
        {
          external_id: Type.Optional(ExternalId),
          alias_name: Type.String({ minLength: 1, maxLength: 255 }),
          alias_label: Type.String({ minLength: 1, maxLength: 255 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);
export type AliasNewRequest = Static<typeof AliasNewRequestSchema>;

const Prioritization = Type.Array(
  Type.Union([
    Type.Literal('identified'),
    Type.Literal('unidentified'),
    Type.Literal('most_recently_updated'),
    Type.Literal('least_recently_updated'),
  ]),
  { maxItems: 2 },
);

export const IdentifyRequestSchema = Type.Object(
  {
    aliases_to_identify: Type.Optional(
      Type.Array(
        Type.Object({ external_id: ExternalId, user_alias: UserAliasSchema }, { additionalProperties: false }),
        { maxItems: 50 },
      ),
    ),
    emails_to_identify: Type.Optional(
      Type.Array(
        Type.Object(
          { external_id: ExternalId, email: Type.String(), prioritization: Type.Optional(Prioritization) },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
    phone_numbers_to_identify: Type.Optional(
      Type.Array(
        Type.Object(
          { external_id: ExternalId, phone: Type.String(), prioritization: Type.Optional(Prioritization) },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
    merge_behavior: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('merge')], {
        description:
          'merge (default): copy what only the unidentified profile has; none: move identity and history only',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IdentifyRequest = Static<typeof IdentifyRequestSchema>;

export const DeleteRequestSchema = Type.Object(
  {
    external_ids: Type.Optional(Type.Array(ExternalId, { maxItems: 50 })),
    user_aliases: Type.Optional(Type.Array(UserAliasSchema, { maxItems: 50 })),
    braze_ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type DeleteRequest = Static<typeof DeleteRequestSchema>;

export const ExportIdsRequestSchema = Type.Object(
  {
    external_ids: Type.Optional(Type.Array(ExternalId, { maxItems: 50 })),
    user_aliases: Type.Optional(Type.Array(UserAliasSchema, { maxItems: 50 })),
    braze_id: Type.Optional(Type.String({ minLength: 1 })),
    email_address: Type.Optional(Type.String({ minLength: 1 })),
    phone: Type.Optional(Type.String({ minLength: 1 })),
    fields_to_export: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type ExportIdsRequest = Static<typeof ExportIdsRequestSchema>;

const OneOrMany = (item: ReturnType<typeof Type.String>) =>
  Type.Union([item, Type.Array(item, { minItems: 1, maxItems: 50 })]);

export const SubscriptionStatusSetRequestSchema = Type.Object(
  {
    subscription_group_id: Type.String({ minLength: 1 }),
    subscription_state: Type.Union([Type.Literal('subscribed'), Type.Literal('unsubscribed')]),
    external_id: Type.Optional(OneOrMany(ExternalId)),
    email: Type.Optional(OneOrMany(Type.String({ minLength: 1 }))),
    phone: Type.Optional(OneOrMany(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);
export type SubscriptionStatusSetRequest = Static<typeof SubscriptionStatusSetRequestSchema>;

export const TriggerSendRequestSchema = Type.Object(
  {
    campaign_id: Type.String({ minLength: 1 }),
    send_id: Type.Optional(Type.String({ minLength: 1 })),
    trigger_properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    broadcast: Type.Optional(Type.Boolean()),
    recipients: Type.Optional(
      Type.Array(
        Type.Object(
          {
            external_user_id: Type.Optional(ExternalId),
            user_alias: Type.Optional(UserAliasSchema),
            trigger_properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            send_to_existing_only: Type.Optional(Type.Boolean()),
            attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
  },
  { additionalProperties: false },
);
