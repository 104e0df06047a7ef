import type { Json } from '../../core/user.ts';
import type { DestinationPolicy } from '../destination-guard.ts';
import { callProvider, type ProviderAnswer } from '../provider-call.ts';
import { httpFailure, networkFailure, type ProviderResult } from '../provider-result.ts';

/**
 * Twilio's Messages API over `fetch`: Basic auth, form-encoded fields, Twilio's error JSON. The
 * `twilio` package has no base-URL option (a fake or proxy needs patching its internals) and
 * brings axios and a dozen other dependencies for two calls.
 */
export interface TwilioApiConfig {
  /** `https://api.twilio.com`, or a proxy or fake. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  timeoutMs?: number;
  /** Where calls may go; public addresses only when absent. */
  destinations?: DestinationPolicy;
}

/** Twilio codes that are the recipient's doing, not ours: opted out, not a mobile, not a number. */
export const RECIPIENT_REFUSALS = new Set(['21211', '21610', '21614']);

const messagesUrl = (config: TwilioApiConfig) =>
  new URL(`/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`, config.baseUrl);
const headers = (config: TwilioApiConfig) => ({
  authorization: `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`,
  accept: 'application/json',
});

/** Sends one message; its fields are the payload built when it was decided (`MediaUrl` may repeat). */
export async function createMessage(config: TwilioApiConfig, fields: Record<string, Json>): Promise<ProviderResult> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value])
      if (item !== null && item !== undefined) form.append(name, String(item));
  }
  let response: ProviderAnswer;
  try {
    response = await callProvider(
      messagesUrl(config),
      {
        method: 'POST',
        headers: { ...headers(config), 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      },
      config.timeoutMs,
      config.destinations,
    );
  } catch (error) {
    return networkFailure(error);
  }
  const answer = parseAnswer(response.text);
  if (response.ok) return { kind: 'sent', providerMessageId: answer.sid ?? null };
  const failure = httpFailure(response.status, answer.message ?? `HTTP ${response.status}`);
  // Twilio's own code says more than the status (21610: the recipient replied STOP).
  return answer.code === undefined ? failure : { ...failure, code: String(answer.code) };
}

/**
 * Our idempotency for Twilio, which has no retry key: before sending again a message whose last
 * attempt got no clear answer, look for it among the messages Twilio created for that recipient
 * since it was queued (same sender and body). Returns its SID, or null.
 */
export async function findCreatedMessage(
  config: TwilioApiConfig,
  fields: Record<string, Json>,
  since: number,
): Promise<string | null> {
  const url = messagesUrl(config);
  url.searchParams.set('To', String(fields.To));
  if (typeof fields.From === 'string') url.searchParams.set('From', fields.From);
  url.searchParams.set('PageSize', '50');
  const response = await callProvider(url, { headers: headers(config) }, config.timeoutMs, config.destinations);
  if (!response.ok) throw new Error(`Twilio message list: HTTP ${response.status}`);
  const { messages } = JSON.parse(response.text) as {
    messages: Array<{ sid: string; body: string; messaging_service_sid: string | null; date_created: string }>;
  };
  const match = messages.find(
    (m) =>
      m.body === (fields.Body ?? '') &&
      (fields.MessagingServiceSid === undefined || m.messaging_service_sid === fields.MessagingServiceSid) &&
      Date.parse(m.date_created) >= since - 1000,
  );
  return match?.sid ?? null;
}

/** Twilio's JSON answer, or nothing useful when the body is not JSON. */
function parseAnswer(text: string): { sid?: string; code?: number; message?: string } {
  try {
    return (JSON.parse(text) ?? {}) as { sid?: string; code?: number; message?: string };
  } catch {
    return {};
  }
}
