import type { Content } from '../../schemas/content.ts';
import type { ChannelOf } from '../../schemas/channel.ts';
import type { Json } from '../../core/user.ts';
import type { BuildOptions, PayloadResult } from '../channel-module.ts';
import { countSegments } from '../sms-segments.ts';
import { TWILIO_WEBHOOK_PATH } from './webhook.ts';

/**
 * The form fields of Twilio's `POST /2010-04-01/Accounts/{sid}/Messages.json`, as an object;
 * `MediaUrl` is a list because the field repeats. Only text content (with optional MMS media)
 * can go by SMS.
 */

const MAX_BODY_CHARS = 1600;
const MAX_MEDIA = 10;

export function buildPayload(
  content: Content,
  recipient: string,
  channel: ChannelOf<'twilio_sms'>,
  options: BuildOptions = {},
): PayloadResult {
  if (content.type !== 'text') return { ok: false, error: `${content.type} content cannot be sent on an SMS channel` };
  const body = content.text;
  const media = content.media_urls ?? [];

  // Twilio's 1,600 limit is in characters; code points, so an emoji counts once.
  const chars = [...body].length;
  if (chars > MAX_BODY_CHARS)
    return { ok: false, error: `SMS body is ${n(chars)} characters; at most ${n(MAX_BODY_CHARS)}` };
  if (media.length > MAX_MEDIA)
    return { ok: false, error: `an MMS carries at most ${MAX_MEDIA} media_urls; this one has ${media.length}` };
  const badMedia = media.findIndex((url) => !/^https?:\/\//i.test(url));
  if (badMedia >= 0) return { ok: false, error: `media_urls[${badMedia}] must be an http:// or https:// URL` };
  if (body === '' && media.length === 0) return { ok: false, error: 'SMS body is empty and there are no media_urls' };

  const fields: { [key: string]: Json } = { To: recipient };
  // With a Messaging Service, Twilio picks the sender from the service's pool.
  if (channel.messaging_service_sid) fields.MessagingServiceSid = channel.messaging_service_sid;
  else if (channel.from) fields.From = channel.from;
  if (body !== '') fields.Body = body;
  if (media.length > 0) fields.MediaUrl = media;
  if (options.publicUrl) fields.StatusCallback = statusCallbackUrl(options.publicUrl, channel.id);

  const { encoding, segments } = countSegments(body);
  const details: Record<string, Json> = { encoding, segments };
  if (content.quick_replies?.length) details.ignored = ['quick_replies'];
  return { ok: true, payload: fields, details };
}

export function statusCallbackUrl(publicUrl: string, channelId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/${TWILIO_WEBHOOK_PATH}/${encodeURIComponent(channelId)}/status`;
}

const n = (value: number) => value.toLocaleString('en-US');
