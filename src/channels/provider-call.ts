/** How long a provider call may take before it counts as a timeout (a transient failure). */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

/** What a provider answered: status, headers and the whole body as text. */
export interface ProviderAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  text: string;
}

/**
 * One HTTP call to a provider over `fetch`, its answer read whole, given up after `timeoutMs`
 * (then it rejects with a `TimeoutError`, which `networkFailure` reads as a timeout). The timer is
 * cleared as soon as the answer is in: `AbortSignal.timeout` would keep each call's request and
 * answer reachable for the whole timeout, which at B3's rate held some 25,000 finished calls, and
 * their bodies, in memory at once.
 */
export async function callProvider(url: URL | string, init: RequestInit, timeoutMs = DEFAULT_PROVIDER_TIMEOUT_MS): Promise<ProviderAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('the provider did not answer in time', 'TimeoutError')), timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    const text = await response.text();
    return { status: response.status, ok: response.ok, headers: response.headers, text };
  } finally {
    clearTimeout(timer);
  }
}
