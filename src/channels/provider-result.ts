import { isDestinationNotAllowed } from './destination-guard.ts';

/**
 * What a provider call came to, the same for every channel: the dispatcher records `sent`,
 * retries a transient failure with backoff (network error, timeout, 5xx, 429), and records a
 * rejection as `failed` / `provider_rejected` at once, and a call refused before it connected
 * (its destination is not allowed) as `failed` / `destination_not_allowed`, also at once.
 */
export type ProviderResult =
  | { kind: 'sent'; providerMessageId: string | null }
  | { kind: 'transient'; code: string; message: string }
  | { kind: 'rejected'; code: string; message: string }
  | { kind: 'refused'; code: 'destination_not_allowed'; message: string };

/** A call Tidings refused to make: the message says why, never anything the destination said. */
export function destinationRefused(error: unknown): ProviderResult {
  return { kind: 'refused', code: 'destination_not_allowed', message: String((error as Error)?.message ?? error) };
}

/** A transient failure for an HTTP status that calls for a retry (429 and 5xx), else a rejection. */
export function httpFailure(
  status: number,
  message: string,
): Extract<ProviderResult, { kind: 'transient' | 'rejected' }> {
  const code = `http_${status}`;
  return status === 429 || status >= 500 ? { kind: 'transient', code, message } : { kind: 'rejected', code, message };
}

/** A request that never got an answer: timed out or could not connect (transient), or was refused. */
export function networkFailure(error: unknown): ProviderResult {
  if (isDestinationNotAllowed(error)) return destinationRefused(error);
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
