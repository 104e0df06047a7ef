import { Type, type Static } from '@sinclair/typebox';
import { Slug } from './common.ts';

/**
 * What a message says, per content type. Channel limits (LINE text length, SMS segments, …) are
 * checked by the channel, when the definition is saved and again after rendering.
 */
const Template = (description: string, maxLength = 100_000) =>
  Type.String({ maxLength, description: `${description} (Liquid template)` });

const QuickReply = Type.Object(
  { label: Type.String({ minLength: 1, maxLength: 20 }), text: Type.String({ minLength: 1, maxLength: 300 }) },
  { additionalProperties: false },
);
const lineExtras = { quick_replies: Type.Optional(Type.Array(QuickReply, { minItems: 1, maxItems: 13 })) };

export const TextContent = Type.Object(
  {
    type: Type.Literal('text'),
    text: Template('the text', 5000),
    media_urls: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 10 })),
    ...lineExtras,
  },
  { additionalProperties: false },
);
const StickerContent = Type.Object(
  {
    type: Type.Literal('sticker'),
    package_id: Type.String({ minLength: 1 }),
    sticker_id: Type.String({ minLength: 1 }),
    ...lineExtras,
  },
  { additionalProperties: false },
);
const ImageContent = Type.Object(
  {
    type: Type.Literal('image'),
    original_url: Type.String({ pattern: '^https://' }),
    preview_url: Type.String({ pattern: '^https://' }),
    ...lineExtras,
  },
  { additionalProperties: false },
);
const CarouselAction = Type.Object(
  {
    type: Type.Union([Type.Literal('uri'), Type.Literal('message'), Type.Literal('postback')]),
    label: Type.String({ minLength: 1, maxLength: 20 }),
    uri: Type.Optional(Type.String()),
    text: Type.Optional(Type.String()),
    data: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const CarouselContent = Type.Object(
  {
    type: Type.Literal('carousel'),
    alt_text: Type.String({ minLength: 1, maxLength: 400 }),
    columns: Type.Array(
      Type.Object(
        {
          thumbnail_url: Type.Optional(Type.String({ pattern: '^https://' })),
          title: Type.Optional(Type.String({ maxLength: 40 })),
          text: Type.String({ minLength: 1 }),
          actions: Type.Array(CarouselAction, { minItems: 1, maxItems: 3 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10 },
    ),
    ...lineExtras,
  },
  { additionalProperties: false },
);
const FlexContent = Type.Object(
  {
    type: Type.Literal('flex'),
    alt_text: Type.String({ minLength: 1, maxLength: 400 }),
    contents: Type.Record(Type.String(), Type.Unknown()),
    ...lineExtras,
  },
  { additionalProperties: false },
);
const RawLineContent = Type.Object(
  {
    type: Type.Literal('messages'),
    messages: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 5 }),
  },
  { additionalProperties: false },
);
const EmailContent = Type.Object(
  {
    type: Type.Literal('email'),
    subject: Type.Optional(Template('the subject', 998)),
    html: Type.Optional(Template('the HTML body')),
    text: Type.Optional(Template('the plain-text body')),
    attachments: Type.Optional(
      Type.Array(
        Type.Object(
          { filename: Type.String({ minLength: 1 }), url: Type.String({ minLength: 1 }) },
          { additionalProperties: false },
        ),
        { maxItems: 5 },
      ),
    ),
  },
  { additionalProperties: false },
);
const WebhookContent = Type.Object(
  {
    type: Type.Literal('webhook'),
    method: Type.Optional(Type.Union(['POST', 'PUT', 'PATCH', 'GET', 'DELETE'].map((m) => Type.Literal(m)))),
    url: Type.Optional(Template('the URL', 2048)),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    body: Type.Unknown({ description: 'JSON whose strings are templates' }),
  },
  { additionalProperties: false },
);

export const ContentSchema = Type.Union(
  [
    TextContent,
    StickerContent,
    ImageContent,
    CarouselContent,
    FlexContent,
    RawLineContent,
    EmailContent,
    WebhookContent,
  ],
  {
    description: 'text, sticker, image, carousel, flex, messages, email or webhook',
  },
);
export type Content = Static<typeof ContentSchema>;

/** "Channel responses": the content for a channel is by_channel[channel], else default. */
const contentChoice = {
  default: ContentSchema,
  by_channel: Type.Optional(Type.Record(Slug, ContentSchema)),
};
const ChannelRef = Type.String({ minLength: 1, maxLength: 64, description: 'a channel id, or "last_interacted"' });

export const MessageSchema = Type.Object(
  {
    channel: ChannelRef,
    ...contentChoice,
    fallback: Type.Optional(
      Type.Object(
        { channel: ChannelRef, ...contentChoice },
        { additionalProperties: false, description: 'tried once when the first attempt cannot be delivered' },
      ),
    ),
  },
  { additionalProperties: false, $id: 'Message' },
);
export type Message = Static<typeof MessageSchema>;

export const ContentBlockSchema = Type.Object(
  {
    id: Slug,
    template: Type.String({
      maxLength: 100_000,
      description: 'Liquid; may include other blocks with {{ content_blocks.NAME }}',
    }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100 })),
    state: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('draft')], {
        description: "Braze's label (POST /content_blocks/create); a draft block renders like an active one",
      }),
    ),
  },
  { additionalProperties: false, $id: 'ContentBlock' },
);
export type ContentBlock = Static<typeof ContentBlockSchema>;
