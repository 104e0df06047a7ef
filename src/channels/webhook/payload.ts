import type { Content } from '../../schemas/content.ts';
import { channelHeaders, type ChannelOf, type WebhookMethod } from '../../schemas/channel.ts';
import type { Json } from '../../core/user.ts';
import { hostMatches } from '../destination-guard.ts';
import type { PayloadResult } from '../channel-module.ts';

/**
 * The HTTP request a webhook channel makes: `{method, url, headers, body}`, body as JSON (null:
 * no body). Webhook content may override the channel's method and URL and add headers; text
 * content is sent to the channel's URL as `{"to": recipient, "text": …}`, so the receiver knows
 * whom it is for. A content URL (rendered from a template, maybe from the trigger's properties)
 * may change only the path and query of the channel's URL, unless the channel lists the hosts
 * it may go to (`url_hosts`). The channel's secret headers (`isSecretHeader`) are not part of
 * the request built here, which the outbox, `/v1/messages`, the sandbox and the timeline keep:
 * the sender adds them when it calls.
 */

export function buildPayload(content: Content, recipient: string, channel: ChannelOf<'webhook'>): PayloadResult {
  switch (content.type) {
    case 'webhook': {
      const body = (content.body ?? null) as Json;
      // The content schema already limits method to WEBHOOK_METHODS.
      const method = (content.method ?? channel.method ?? 'POST') as WebhookMethod;
      if (content.url !== undefined) {
        const refused = refusedContentUrl(content.url, channel);
        if (refused) return { ok: false, error: refused };
      }
      return request(method, content.url ?? channel.url, [channelHeaders(channel, false), content.headers], body);
    }
    case 'text': {
      if (content.media_urls?.length)
        return { ok: false, error: 'media_urls (MMS) can only be sent on an SMS channel' };
      const result = request(channel.method ?? 'POST', channel.url, [channelHeaders(channel, false)], {
        to: recipient,
        text: content.text,
      });
      return result.ok && content.quick_replies?.length
        ? { ...result, details: { ignored: ['quick_replies'] } }
        : result;
    }
    default:
      return { ok: false, error: `${content.type} content cannot be sent on a webhook channel` };
  }
}

/**
 * Why a content URL may not be used on this channel, or null: it must keep the channel URL's
 * scheme, host and port and add no user name or password, unless its host is one of the
 * channel's `url_hosts` (`api.example.com`, `*.example.com`, `*`).
 */
function refusedContentUrl(url: string, channel: ChannelOf<'webhook'>): string | null {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'webhook url must be an http:// or https:// URL';
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return 'webhook url must be an http:// or https:// URL';
  if ((channel.url_hosts ?? []).some((pattern) => hostMatches(pattern, target.hostname))) return null;
  const base = new URL(channel.url);
  const same =
    target.protocol === base.protocol &&
    target.host === base.host &&
    target.username === base.username &&
    target.password === base.password;
  return same
    ? null
    : `webhook url ${JSON.stringify(target.origin)} is not the channel's ${JSON.stringify(base.origin)}: ` +
        "content may change only the path and query, unless the channel's url_hosts lists the host";
}

type Headers = Record<string, string> | null | undefined;

function request(method: WebhookMethod, url: string, headerSets: Headers[], body: Json): PayloadResult {
  if (!/^https?:\/\/[^/]/i.test(url)) return { ok: false, error: 'webhook url must be an http:// or https:// URL' };
  if (method === 'GET' && body !== null)
    return { ok: false, error: 'a GET webhook request cannot carry a body; use POST, or a null body' };

  // Header names are case-insensitive: the content's value replaces the channel's of the same name.
  const headers: Record<string, string> = {};
  for (const set of headerSets) {
    for (const [name, value] of Object.entries(set ?? {})) {
      if (/[\r\n]/.test(value)) return { ok: false, error: `webhook header ${name} contains a line break` };
      headers[name.toLowerCase()] = value;
    }
  }
  if (body !== null && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  return { ok: true, payload: { method, url, headers, body } };
}
