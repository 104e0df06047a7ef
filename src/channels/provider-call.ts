import { request, type Dispatcher } from 'undici';
import { destinationDispatcher, PUBLIC_DESTINATIONS_ONLY, type DestinationPolicy } from './destination-guard.ts';

/** How long a provider call may take before it counts as a timeout (a transient failure). */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

/** What a provider answered: status, one header by name, and the whole body as text. */
export interface ProviderAnswer {
  status: number;
  ok: boolean;
  header(name: string): string | null;
  text: string;
}

/** Sent with every provider call unless the request names its own (a webhook channel may). */
const USER_AGENT = 'Tidings';

export interface ProviderRequest {
  /** GET when absent; a webhook channel may use any method. */
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One HTTP call to a provider, its answer read whole, given up after `timeoutMs` (then it rejects
 * with a `TimeoutError`, which `networkFailure` reads as a timeout).
 *
 * Over undici's `request` rather than `fetch` (the same client underneath, kept by the Node.js
 * team): `fetch` builds a WHATWG Request, Headers and a web stream per call, and cost four times
 * the CPU per push (measured: 111–157 µs against 28–38 µs, loopback, 32 in flight), which is most
 * of what a B3 send costs. The timer is ours and cleared as soon as the answer is in: an
 * `AbortSignal.timeout` would keep each call reachable for the whole timeout (at B3's rate some
 * 25,000 finished calls, and their bodies, at once). Redirects are not followed (`fetch` did): a
 * 3xx is the provider's answer, and for a webhook a rejection, as Stripe's and GitHub's webhooks
 * treat it, since a redirected POST may come back as a GET.
 *
 * Every connection is checked against `destinations` (see destination-guard.ts): a call to a
 * loopback, private or link-local address rejects with a DestinationNotAllowedError.
 */
export async function callProvider(
  url: URL | string,
  init: ProviderRequest,
  timeoutMs = DEFAULT_PROVIDER_TIMEOUT_MS,
  destinations: DestinationPolicy = PUBLIC_DESTINATIONS_ONLY,
): Promise<ProviderAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('the provider did not answer in time', 'TimeoutError')),
    timeoutMs,
  );
  try {
    const named = Object.keys(init.headers ?? {}).some((name) => name.toLowerCase() === 'user-agent');
    const headers = named ? init.headers : { 'user-agent': USER_AGENT, ...init.headers };
    const response = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: init.body,
      signal: controller.signal,
      dispatcher: destinationDispatcher(destinations),
    });
    const text = await response.body.text();
    const answered = response.headers;
    return {
      status: response.statusCode,
      ok: response.statusCode >= 200 && response.statusCode < 300,
      header: (name) => {
        const value = answered[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
      text,
    };
  } finally {
    clearTimeout(timer);
  }
}
