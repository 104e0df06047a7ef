import type { Json } from '../../core/user.ts';
import type { ChannelOf } from '../../schemas/channel.ts';
import { httpFailure, networkFailure } from '../provider-result.ts';
import type { Send } from '../sender.ts';

const TIMEOUT_MS = 10_000;

/**
 * A webhook channel makes the request built when the message was decided (`{method, url,
 * headers, body}`). 2xx is sent; 429 and 5xx are retried; any other status is a rejection. Every
 * attempt carries `Idempotency-Key: <message id>`, the usual convention, so that the receiving
 * service can drop a repeat after a crash or a lost answer.
 */
export function webhookSender(_channel: ChannelOf<'webhook'>): Send {
  return async (message) => {
    const request = message.payload as { method: string; url: string; headers: Record<string, string>; body: Json };
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: { ...request.headers, 'idempotency-key': message.id },
        body: request.body === null ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.ok) return { kind: 'sent', providerMessageId: response.headers.get('x-request-id') };
      return httpFailure(response.status, text.slice(0, 300) || response.statusText);
    } catch (error) {
      return networkFailure(error);
    }
  };
}
