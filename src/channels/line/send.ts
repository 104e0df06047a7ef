import type { messagingApi } from '@line/bot-sdk';
import { resolveSecret, type ChannelOf } from '../../schemas/channel.ts';
import type { Send, SenderConfig } from '../sender.ts';
import { lineRetryKey, pushMessage, replyMessage } from './api.ts';

export const LINE_API_BASE_URL = 'https://api.line.me';
/** How long after an inbound message its reply token is used (LINE allows about a minute). */
export const REPLY_WINDOW_MS = 50_000;

/**
 * A LINE channel sends over the network once it has an access token (else it delivers into the
 * sandbox). The payload is the push body built when the message was decided; every push carries
 * the retry key derived from the message id. An answer to an inbound message within
 * REPLY_WINDOW_MS uses the message's reply token instead (free), on its first attempt.
 */
export function lineSender(channel: ChannelOf<'line'>, senderConfig: SenderConfig): Send | null {
  const accessToken = resolveSecret(channel.channel_access_token, senderConfig.env);
  if (!accessToken) return null;
  const config = {
    baseUrl: channel.api_base_url ?? LINE_API_BASE_URL,
    accessToken,
    timeoutMs: senderConfig.providerTimeoutMs,
    destinations: senderConfig,
  };
  return async (message, now) => {
    const push = message.payload as unknown as messagingApi.PushMessageRequest;
    const { reply_token: replyToken, reply_by: replyBy } = message.details;
    // Only on a first attempt: a retry may follow a reply that went through (a reply has no retry
    // key), and a push with its retry key is then the lesser risk.
    if (typeof replyToken === 'string' && typeof replyBy === 'number' && now < replyBy && message.attempts <= 1) {
      const replied = await replyMessage(config, { replyToken, messages: push.messages });
      // A token another answer used first, or expired: push instead, now.
      if (!(replied.kind === 'rejected' && replied.message.startsWith('Invalid reply token'))) return replied;
    }
    return pushMessage(config, push, lineRetryKey(message.id));
  };
}
