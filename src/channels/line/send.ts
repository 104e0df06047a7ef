import type { messagingApi } from '@line/bot-sdk';
import { resolveSecret, type ChannelOf } from '../../schemas/channel.ts';
import type { ProviderResult } from '../provider-result.ts';
import type { OutgoingMessage } from '../sender.ts';
import { lineRetryKey, pushMessage } from './api.ts';

export const LINE_API_BASE_URL = 'https://api.line.me';

/**
 * A LINE channel sends over the network once it has an access token (else it delivers into the
 * sandbox). The payload is the push body built when the message was decided; every attempt
 * carries the retry key derived from the message id.
 */
export function lineSender(channel: ChannelOf<'line'>, env: Record<string, string | undefined>): ((message: OutgoingMessage) => Promise<ProviderResult>) | null {
  const accessToken = resolveSecret(channel.channel_access_token, env);
  if (!accessToken) return null;
  const config = { baseUrl: channel.api_base_url ?? LINE_API_BASE_URL, accessToken };
  return (message) => pushMessage(config, message.payload as unknown as messagingApi.PushMessageRequest, lineRetryKey(message.id));
}
