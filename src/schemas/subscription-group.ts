import { Type, type Static } from '@sinclair/typebox';
import { Slug } from './common.ts';

const Keyword = Type.String({ minLength: 1, maxLength: 34, pattern: '^\\S+$', description: 'one word, no spaces' });
const Reply = Type.String({ minLength: 1, maxLength: 300 });

export const KeywordCategorySchema = Type.Object(
  {
    category: Type.String({ minLength: 1, maxLength: 64 }),
    keywords: Type.Array(Keyword, { minItems: 1, maxItems: 20 }),
    reply: Type.Optional(Reply),
  },
  { additionalProperties: false },
);

export const SubscriptionGroupSchema = Type.Object(
  {
    id: Slug,
    name: Type.String({ minLength: 1, maxLength: 255 }),
    channel_type: Type.Union(
      [Type.Literal('email'), Type.Literal('sms'), Type.Literal('line'), Type.Literal('webhook')],
      {
        description: 'the kind of channel whose audience this group holds',
      },
    ),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    opt_in_reply: Type.Optional(Reply),
    opt_out_reply: Type.Optional(Reply),
    help_reply: Type.Optional(Reply),
    opt_out_keywords: Type.Optional(
      Type.Array(Keyword, {
        maxItems: 20,
        description: 'more words that unsubscribe, besides STOP and its family (another language: ARRET, ALTO)',
      }),
    ),
    opt_in_keywords: Type.Optional(
      Type.Array(Keyword, {
        maxItems: 20,
        description: 'more words that subscribe again, besides START, YES and UNSTOP',
      }),
    ),
    help_keywords: Type.Optional(
      Type.Array(Keyword, { maxItems: 20, description: 'more words that ask for help, besides HELP and INFO' }),
    ),
    keyword_categories: Type.Optional(Type.Array(KeywordCategorySchema, { maxItems: 25 })),
  },
  { additionalProperties: false, $id: 'SubscriptionGroup' },
);
export type SubscriptionGroup = Static<typeof SubscriptionGroupSchema>;
