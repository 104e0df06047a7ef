import type { Content } from '../../schemas/content.ts';
import type { ChannelOf } from '../../schemas/channel.ts';
import type { Json } from '../../core/user.ts';
import type { PayloadResult } from '../channel-module.ts';

/**
 * The message as nodemailer's `sendMail` takes it: `{from, to, subject, text?, html?, attachments}`,
 * each attachment `{filename, path: url}` (nodemailer fetches the URL). Email content maps field by
 * field; text content becomes a plain-text email with an empty subject.
 */

const MAX_ATTACHMENTS = 5;
const MAX_SUBJECT = 998;

type Mail = { [key: string]: Json };

export function buildPayload(content: Content, recipient: string, channel: ChannelOf<'smtp'>): PayloadResult {
  const base: Mail = channel.from ? { from: channel.from, to: recipient } : { to: recipient };
  switch (content.type) {
    case 'text':
      if (content.media_urls?.length)
        return {
          ok: false,
          error: 'media_urls (MMS) can only be sent on an SMS channel; use email content with attachments',
        };
      if (content.text === '') return { ok: false, error: 'email text is empty' };
      return withIgnored(
        { ok: true, payload: { ...base, subject: '', text: content.text, attachments: [] } },
        content.quick_replies?.length,
      );
    case 'email':
      return emailPayload(content, base);
    default:
      return { ok: false, error: `${content.type} content cannot be sent on an email channel` };
  }
}

function emailPayload(content: Extract<Content, { type: 'email' }>, base: Mail): PayloadResult {
  // A rendered value may hold a line break; in a header it would start a new header line.
  const subject = (content.subject ?? '').replace(/\r\n|[\r\n]/g, ' ');
  if (subject.length > MAX_SUBJECT)
    return { ok: false, error: `email subject is ${n(subject.length)} characters; at most ${n(MAX_SUBJECT)}` };
  if (!content.text && !content.html) return { ok: false, error: 'email content needs a text or an html body' };
  const attachments = content.attachments ?? [];
  if (attachments.length > MAX_ATTACHMENTS)
    return {
      ok: false,
      error: `an email carries at most ${MAX_ATTACHMENTS} attachments; this one has ${attachments.length}`,
    };
  for (const [i, attachment] of attachments.entries()) {
    if (attachment.filename.trim() === '') return { ok: false, error: `attachments[${i}].filename is empty` };
    // nodemailer reads a `path` that is not a URL from the local disk; only URLs may reach it.
    if (!/^https?:\/\//i.test(attachment.url))
      return { ok: false, error: `attachments[${i}].url must be an http:// or https:// URL` };
  }

  const mail: Mail = { ...base, subject };
  if (content.text) mail.text = content.text;
  if (content.html) mail.html = content.html;
  mail.attachments = attachments.map((attachment) => ({ filename: attachment.filename, path: attachment.url }));
  return { ok: true, payload: mail };
}

function withIgnored(result: PayloadResult, quickReplies: number | undefined): PayloadResult {
  return result.ok && quickReplies ? { ...result, details: { ignored: ['quick_replies'] } } : result;
}

const n = (value: number) => value.toLocaleString('en-US');
