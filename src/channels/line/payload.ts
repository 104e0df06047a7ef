import type { Content } from '../../schemas/content.ts';
import type { ChannelOf } from '../../schemas/channel.ts';
import type { Json } from '../../core/user.ts';
import type { PayloadResult } from '../channel-module.ts';

/**
 * The LINE push body, `{to, messages}`, for a content (LINE Messaging API message objects). The
 * rendered content is checked again here against LINE's own limits, because rendering can
 * lengthen what the schema accepted when the definition was saved.
 */

type LineMessage = { [key: string]: Json };
type CarouselContent = Extract<Content, { type: 'carousel' }>;
type CarouselAction = CarouselContent['columns'][number]['actions'][number];
type QuickReplies = { label: string; text: string }[] | undefined;

const MAX_MESSAGES = 5;
const MAX_TEXT_UNITS = 5000;
const MAX_QUICK_REPLIES = 13;
const MAX_COLUMNS = 10;
const MAX_ACTIONS = 3;
const MAX_ALT_TEXT = 1500;
const MAX_URL = 2000;
const MAX_URI_ACTION = 1000;
const MAX_LABEL = 20;
const MAX_ACTION_TEXT = 300;
const MAX_TITLE = 40;
const MAX_COLUMN_TEXT = 120;
const MAX_COLUMN_TEXT_UNDER_IMAGE_OR_TITLE = 60;
const MAX_FLEX_BUBBLES = 12;
const MAX_BUBBLE_BYTES = 30 * 1024;
const MAX_FLEX_CAROUSEL_BYTES = 50 * 1024;

class Refusal extends Error {}
const refuse = (message: string): never => {
  throw new Refusal(message);
};
const n = (value: number) => value.toLocaleString('en-US');
const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
// LINE counts template and action properties in grapheme clusters, message text in UTF-16 units.
const graphemes = (text: string) => [...graphemeSegmenter.segment(text)].length;

export function buildPayload(content: Content, recipient: string, _channel: ChannelOf<'line'>): PayloadResult {
  try {
    const messages = lineMessages(content);
    if (messages.length > MAX_MESSAGES)
      refuse(`a LINE send holds at most ${MAX_MESSAGES} messages; this one has ${messages.length}`);
    return { ok: true, payload: { to: recipient, messages } };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.message };
    throw error;
  }
}

function lineMessages(content: Content): LineMessage[] {
  switch (content.type) {
    case 'text':
      if (content.media_urls?.length)
        refuse('media_urls (MMS) can only be sent on an SMS channel; use image content on LINE');
      checkText(content.text, 'LINE text');
      return withQuickReplies({ type: 'text', text: content.text }, content.quick_replies);
    case 'sticker':
      return withQuickReplies(
        { type: 'sticker', packageId: content.package_id, stickerId: content.sticker_id },
        content.quick_replies,
      );
    case 'image':
      checkImageUrl(content.original_url, 'original_url');
      checkImageUrl(content.preview_url, 'preview_url');
      return withQuickReplies(
        { type: 'image', originalContentUrl: content.original_url, previewImageUrl: content.preview_url },
        content.quick_replies,
      );
    case 'carousel':
      return withQuickReplies(carouselMessage(content), content.quick_replies);
    case 'flex':
      checkAltText(content.alt_text);
      checkFlexContents(content.contents);
      return withQuickReplies(
        { type: 'flex', altText: content.alt_text, contents: content.contents as Json },
        content.quick_replies,
      );
    case 'messages':
      return rawMessages(content.messages);
    case 'email':
    case 'webhook':
      return refuse(`${content.type} content cannot be sent on a LINE channel`);
  }
}

function checkText(text: string, what: string): void {
  if (text.length === 0) refuse(`${what} is empty`);
  if (text.length > MAX_TEXT_UNITS) refuse(`${what} is ${n(text.length)} UTF-16 units; at most ${n(MAX_TEXT_UNITS)}`);
}

function checkLength(value: string, what: string, max: number): void {
  if (value.length === 0) refuse(`${what} is empty`);
  const length = graphemes(value);
  if (length > max) refuse(`${what} is ${n(length)} characters; at most ${n(max)}`);
}

function checkImageUrl(url: string, what: string): void {
  if (!url.startsWith('https://')) refuse(`${what} must be an https:// URL (LINE fetches images over HTTPS only)`);
  if (url.length > MAX_URL) refuse(`${what} is ${n(url.length)} characters; at most ${n(MAX_URL)}`);
}

function checkAltText(altText: string): void {
  if (altText.length === 0) refuse('alt_text is empty');
  if (altText.length > MAX_ALT_TEXT) refuse(`alt_text is ${n(altText.length)} characters; at most ${n(MAX_ALT_TEXT)}`);
}

/** LINE shows only the last message's quick replies, so that is where they go. */
function withQuickReplies(message: LineMessage, replies: QuickReplies): LineMessage[] {
  if (!replies || replies.length === 0) return [message];
  if (replies.length > MAX_QUICK_REPLIES)
    refuse(`LINE allows at most ${MAX_QUICK_REPLIES} quick replies; this message has ${replies.length}`);
  const items = replies.map((reply, i) => {
    checkLength(reply.label, `quick_replies[${i}].label`, MAX_LABEL);
    checkLength(reply.text, `quick_replies[${i}].text`, MAX_ACTION_TEXT);
    return { type: 'action', action: { type: 'message', label: reply.label, text: reply.text } };
  });
  return [{ ...message, quickReply: { items } }];
}

function carouselMessage(content: CarouselContent): LineMessage {
  checkAltText(content.alt_text);
  const { columns } = content;
  if (columns.length === 0) refuse('a carousel needs at least one column');
  if (columns.length > MAX_COLUMNS)
    refuse(`a carousel has at most ${MAX_COLUMNS} columns; this one has ${columns.length}`);
  // LINE refuses a carousel whose columns differ in image, title or number of actions.
  const first = columns[0];
  if (!first) return refuse('a carousel needs at least one column');
  columns.forEach((column, c) => {
    if ((column.thumbnail_url === undefined) !== (first.thumbnail_url === undefined))
      refuse('every carousel column must have a thumbnail_url if any column has one');
    if ((column.title === undefined) !== (first.title === undefined))
      refuse('every carousel column must have a title if any column has one');
    if (column.actions.length !== first.actions.length) {
      refuse(
        `every carousel column must have the same number of actions; columns[0] has ${first.actions.length}, columns[${c}] has ${column.actions.length}`,
      );
    }
  });

  const mapped = columns.map((column, c) => {
    const where = `columns[${c}]`;
    const out: LineMessage = {};
    if (column.thumbnail_url !== undefined) {
      checkImageUrl(column.thumbnail_url, `${where}.thumbnail_url`);
      out.thumbnailImageUrl = column.thumbnail_url;
    }
    if (column.title !== undefined) {
      checkLength(column.title, `${where}.title`, MAX_TITLE);
      out.title = column.title;
    }
    checkLength(
      column.text,
      `${where}.text`,
      column.thumbnail_url !== undefined || column.title !== undefined
        ? MAX_COLUMN_TEXT_UNDER_IMAGE_OR_TITLE
        : MAX_COLUMN_TEXT,
    );
    out.text = column.text;
    if (column.actions.length === 0) refuse(`${where} needs at least one action`);
    if (column.actions.length > MAX_ACTIONS)
      refuse(`${where} has ${column.actions.length} actions; at most ${MAX_ACTIONS}`);
    out.actions = column.actions.map((action, a) => carouselAction(action, `${where}.actions[${a}]`));
    return out;
  });
  return { type: 'template', altText: content.alt_text, template: { type: 'carousel', columns: mapped } };
}

function carouselAction(action: CarouselAction, where: string): LineMessage {
  checkLength(action.label, `${where}.label`, MAX_LABEL);
  switch (action.type) {
    case 'uri': {
      const uri = action.uri ?? refuse(`${where} is a uri action without a uri`);
      if (!/^(https?|line|tel):/i.test(uri)) refuse(`${where}.uri must start with http://, https://, line: or tel:`);
      if (uri.length > MAX_URI_ACTION)
        refuse(`${where}.uri is ${n(uri.length)} characters; at most ${n(MAX_URI_ACTION)}`);
      return { type: 'uri', label: action.label, uri };
    }
    case 'message': {
      const text = action.text ?? refuse(`${where} is a message action without text`);
      checkLength(text, `${where}.text`, MAX_ACTION_TEXT);
      return { type: 'message', label: action.label, text };
    }
    case 'postback': {
      const data = action.data ?? refuse(`${where} is a postback action without data`);
      checkLength(data, `${where}.data`, MAX_ACTION_TEXT);
      // A postback's text is what the chat shows as the user's reply (LINE's displayText).
      if (action.text === undefined) return { type: 'postback', label: action.label, data };
      checkLength(action.text, `${where}.text`, MAX_ACTION_TEXT);
      return { type: 'postback', label: action.label, data, displayText: action.text };
    }
  }
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function checkFlexContents(contents: Record<string, unknown>): void {
  if (contents.type === 'bubble') {
    checkBubble(contents, 'contents');
    return;
  }
  if (contents.type !== 'carousel')
    refuse('flex contents must be a bubble or a carousel ("type": "bubble" or "carousel")');
  const bubbles = contents.contents;
  if (!Array.isArray(bubbles) || bubbles.length === 0)
    refuse('a flex carousel needs a non-empty contents array of bubbles');
  const list = bubbles as unknown[];
  if (list.length > MAX_FLEX_BUBBLES)
    refuse(`a flex carousel has at most ${MAX_FLEX_BUBBLES} bubbles; this one has ${list.length}`);
  for (const [i, bubble] of list.entries()) checkBubble(bubble, `contents.contents[${i}]`);
  const bytes = jsonBytes(contents);
  if (bytes > MAX_FLEX_CAROUSEL_BYTES)
    refuse(`a flex carousel is ${n(bytes)} bytes of JSON; at most ${n(MAX_FLEX_CAROUSEL_BYTES)}`);
}

function checkBubble(bubble: unknown, where: string): void {
  if (!isObject(bubble) || bubble.type !== 'bubble') refuse(`${where} must be a flex bubble ("type": "bubble")`);
  const bytes = jsonBytes(bubble);
  if (bytes > MAX_BUBBLE_BYTES)
    refuse(`${where} is ${n(bytes)} bytes of JSON; a flex bubble is at most ${n(MAX_BUBBLE_BYTES)}`);
}

/** Raw message objects go out as written; only what would make LINE refuse the whole send is checked. */
function rawMessages(messages: Record<string, unknown>[]): LineMessage[] {
  if (messages.length === 0) refuse('messages is empty');
  messages.forEach((message, i) => {
    if (!isObject(message) || typeof message.type !== 'string' || message.type === '')
      refuse(`messages[${i}] needs a "type"`);
    if (message.type === 'text') {
      if (typeof message.text !== 'string') refuse(`messages[${i}] is a text message without text`);
      checkText(message.text as string, `messages[${i}].text`);
    }
    const quickReply = message.quickReply;
    if (isObject(quickReply) && Array.isArray(quickReply.items) && quickReply.items.length > MAX_QUICK_REPLIES) {
      refuse(`LINE allows at most ${MAX_QUICK_REPLIES} quick replies; messages[${i}] has ${quickReply.items.length}`);
    }
  });
  return messages as LineMessage[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
