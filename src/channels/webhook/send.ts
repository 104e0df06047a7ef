import type { Json } from '../../core/user.ts';
import { channelHeaders, type ChannelOf } from '../../schemas/channel.ts';
import { callProvider } from '../provider-call.ts';
import { httpFailure, networkFailure } from '../provider-result.ts';
import type { Send, SenderConfig } from '../sender.ts';

/**
 * A webhook channel makes the request built when the message was decided (`{method, url,
 * headers, body}`). 2xx is sent; 429 and 5xx are retried; any other status is a rejection. Every
 * attempt carries `Idempotency-Key: <message id>`, the usual convention, so that the receiving
 * service can drop a repeat after a crash or a lost answer. The channel's secret headers
 * (Authorization…), kept out of the stored request, are added here, unless the content set a
 * header of the same name.
 */
export function webhookSender(channel: ChannelOf<'webhook'>, config: SenderConfig): Send {
  const secrets = Object.entries(channelHeaders(channel, true)).map(
    ([name, value]) => [name.toLowerCase(), value] as const,
  );
  return async (message) => {
    const request = message.payload as { method: string; url: string; headers: Record<string, string>; body: Json };
    const headers: Record<string, string> = { ...request.headers };
    for (const [name, value] of secrets) if (headers[name] === undefined) headers[name] = value;
    try {
      const response = await callProvider(
        request.url,
        {
          method: request.method,
          headers: { ...headers, 'idempotency-key': message.id },
          body: request.body === null ? undefined : JSON.stringify(request.body),
        },
        config.providerTimeoutMs,
        config,
      );
      if (response.ok) return { kind: 'sent', providerMessageId: response.header('x-request-id') };
      return httpFailure(response.status, response.text.slice(0, 300) || `HTTP ${response.status}`);
    } catch (error) {
      return networkFailure(error);
    }
  };
}
