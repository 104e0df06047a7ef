/**
 * What a provider call came to, the same for every channel: the dispatcher records `sent`,
 * retries a transient failure with backoff (network error, timeout, 5xx, 429), and records a
 * rejection as `failed` / `provider_rejected` at once.
 */
export type ProviderResult =
  | { kind: 'sent'; providerMessageId: string | null }
  | { kind: 'transient'; code: string; message: string }
  | { kind: 'rejected'; code: string; message: string };

/** A transient failure for an HTTP status that calls for a retry (429 and 5xx), else a rejection. */
export function httpFailure(status: number, message: string): ProviderResult {
  const code = `http_${status}`;
  return status === 429 || status >= 500 ? { kind: 'transient', code, message } : { kind: 'rejected', code, message };
}

/** A request that never got an answer: timed out or could not connect. Always transient. */
export function networkFailure(error: unknown): ProviderResult {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return { kind: 'transient', code: 'timeout', message: 'the provider did not answer in time' };
  // undici's own errors carry the code (ECONNREFUSED, UND_ERR_SOCKET…); fetch's wrap it in `cause`.
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = (error as { code?: string })?.code;
  return {
    kind: 'transient',
    code: 'network',
    message: cause?.code ?? code ?? cause?.message ?? String((error as Error)?.message ?? error),
  };
}
