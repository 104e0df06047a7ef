import { resolveSecret, type ChannelOf } from '../../schemas/channel.ts';
import { networkFailure } from '../provider-result.ts';
import type { Send, SenderConfig } from '../sender.ts';
import { createMessage, findCreatedMessage } from './api.ts';

export const TWILIO_API_BASE_URL = 'https://api.twilio.com';

/**
 * A Twilio SMS channel sends over the network once it has an account SID and an auth token (else
 * it delivers into the sandbox). Twilio has no retry key, so a message whose last attempt got no
 * clear answer (a timeout, a lost connection, a 5xx, or a dispatcher that died: an attempt with
 * no recorded error) is first looked for among the messages Twilio created; only a 429 is known
 * to have created nothing.
 */
export function twilioSender(channel: ChannelOf<'twilio_sms'>, senderConfig: SenderConfig): Send | null {
  const accountSid = resolveSecret(channel.account_sid, senderConfig.env);
  const authToken = resolveSecret(channel.auth_token, senderConfig.env);
  if (!accountSid || !authToken) return null;
  const config = {
    baseUrl: channel.api_base_url ?? TWILIO_API_BASE_URL,
    accountSid,
    authToken,
    timeoutMs: senderConfig.providerTimeoutMs,
    destinations: senderConfig,
  };
  return async (message) => {
    const fields = message.payload as Record<string, string | string[]>;
    if (message.attempts > 1 && message.error_code !== 'http_429' && message.error_code !== '20429') {
      try {
        const sid = await findCreatedMessage(config, fields, message.created_at);
        if (sid !== null) return { kind: 'sent', providerMessageId: sid };
      } catch (error) {
        return networkFailure(error);
      }
    }
    return createMessage(config, fields);
  };
}
