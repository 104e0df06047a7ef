import type { Content } from '../../schemas/content.ts';
import type { ContentBlocks } from './content-blocks.ts';
import type { TemplateContext } from './context.ts';
import { TemplateFailure } from './failure.ts';
import { RenderSession, withFailures, type RenderOptions, type TemplateResult } from './render.ts';

type QuickReplies = { label: string; text: string }[] | undefined;

/**
 * Renders every string an author writes in a content: texts, labels, URLs, email fields, header
 * values, and every string value inside flex contents, raw LINE messages and webhook bodies (JSON
 * keys are not rendered). Identifiers are not: `type`, sticker ids, the webhook method. The first
 * failing field is named in the result.
 */
export function renderContent(
  content: Content,
  context: TemplateContext,
  blocks: ContentBlocks,
  options: RenderOptions,
): TemplateResult<Content> {
  const session = new RenderSession(context, blocks, options);
  return withFailures(() => renderFields(content, fieldRenderer(session)));
}

type Render = (field: string, template: string) => string;

function fieldRenderer(session: RenderSession): Render {
  return (field, template) => {
    try {
      return session.render(template);
    } catch (error) {
      throw error instanceof TemplateFailure ? error.at(field) : error;
    }
  };
}

function renderFields(content: Content, render: Render): Content {
  const quickReplies = (replies: QuickReplies) =>
    replies?.map((reply, i) => ({
      label: render(`quick_replies[${i}].label`, reply.label),
      text: render(`quick_replies[${i}].text`, reply.text),
    }));
  const optional = (field: string, template: string | undefined) =>
    template === undefined ? undefined : render(field, template);
  const withoutUndefined = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

  switch (content.type) {
    case 'text':
      return withoutUndefined({
        ...content,
        text: render('text', content.text),
        media_urls: content.media_urls?.map((url, i) => render(`media_urls[${i}]`, url)),
        quick_replies: quickReplies(content.quick_replies),
      });
    case 'sticker':
      return withoutUndefined({ ...content, quick_replies: quickReplies(content.quick_replies) });
    case 'image':
      return withoutUndefined({
        ...content,
        original_url: render('original_url', content.original_url),
        preview_url: render('preview_url', content.preview_url),
        quick_replies: quickReplies(content.quick_replies),
      });
    case 'carousel':
      return withoutUndefined({
        ...content,
        alt_text: render('alt_text', content.alt_text),
        columns: content.columns.map((column, c) =>
          withoutUndefined({
            ...column,
            thumbnail_url: optional(`columns[${c}].thumbnail_url`, column.thumbnail_url),
            title: optional(`columns[${c}].title`, column.title),
            text: render(`columns[${c}].text`, column.text),
            actions: column.actions.map((action, a) =>
              withoutUndefined({
                ...action,
                label: render(`columns[${c}].actions[${a}].label`, action.label),
                uri: optional(`columns[${c}].actions[${a}].uri`, action.uri),
                text: optional(`columns[${c}].actions[${a}].text`, action.text),
                data: optional(`columns[${c}].actions[${a}].data`, action.data),
              }),
            ),
          }),
        ),
        quick_replies: quickReplies(content.quick_replies),
      });
    case 'flex':
      return withoutUndefined({
        ...content,
        alt_text: render('alt_text', content.alt_text),
        contents: renderStrings('contents', content.contents, render) as Record<string, unknown>,
        quick_replies: quickReplies(content.quick_replies),
      });
    case 'messages':
      return {
        ...content,
        messages: content.messages.map(
          (message, i) => renderStrings(`messages[${i}]`, message, render) as Record<string, unknown>,
        ),
      };
    case 'email':
      return withoutUndefined({
        ...content,
        subject: optional('subject', content.subject),
        html: optional('html', content.html),
        text: optional('text', content.text),
        attachments: content.attachments?.map((attachment, i) => ({
          filename: render(`attachments[${i}].filename`, attachment.filename),
          url: render(`attachments[${i}].url`, attachment.url),
        })),
      });
    case 'webhook':
      return withoutUndefined({
        ...content,
        url: optional('url', content.url),
        headers:
          content.headers &&
          Object.fromEntries(
            Object.entries(content.headers).map(([name, value]) => [name, render(`headers.${name}`, value)]),
          ),
        body: renderStrings('body', content.body, render),
      });
  }
}

/** Every string value in a JSON value, rendered; keys and other values are kept. */
function renderStrings(field: string, value: unknown, render: Render): unknown {
  if (typeof value === 'string') return render(field, value);
  if (Array.isArray(value)) return value.map((item, i) => renderStrings(`${field}[${i}]`, item, render));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderStrings(`${field}.${key}`, item, render)]),
    );
  }
  return value;
}
