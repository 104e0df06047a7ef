/**
 * `Idempotency-Key` on the Braze-compatible write endpoints: a client that gave up and retries
 * does not double its write. A key is remembered per API key for 24 h with a hash of the request
 * (method, path, body) and, once the first request has been answered, that answer.
 */

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A claim with no answer after this long belongs to a request that died (its process, say): the
 * key is free again. A request lives far shorter (store deadline 5 s, body 30 s).
 */
export const IDEMPOTENCY_ABANDONED_MS = 60 * 1000;

export interface IdempotencyRecord {
  api_key_id: string;
  key: string;
  request_hash: string;
  /** The first answer, once it was given; null while the first request runs. */
  answer: IdempotentAnswer | null;
  created_at: number;
}

export interface IdempotentAnswer {
  status: number;
  content_type: string | null;
  body: string;
}

export type IdempotencyDecision =
  /** Run the request; its answer is recorded under the key (`replacing`: the record it takes over). */
  | { kind: 'run'; replacing: IdempotencyRecord | null }
  /** A repeat: send the first answer again, write nothing. */
  | { kind: 'replay'; answer: IdempotentAnswer }
  /** The key was used for another request: 422. */
  | { kind: 'mismatch' }
  /** The first request with this key is still running: 409, try again later. */
  | { kind: 'in_progress' };

/** What a request with this key and hash does, given what the store remembers under the key. */
export function decideIdempotency(
  existing: IdempotencyRecord | null,
  requestHash: string,
  now: number,
): IdempotencyDecision {
  if (existing === null || existing.created_at <= now - IDEMPOTENCY_TTL_MS) return { kind: 'run', replacing: existing };
  if (existing.request_hash !== requestHash) return { kind: 'mismatch' };
  if (existing.answer !== null) return { kind: 'replay', answer: existing.answer };
  if (existing.created_at <= now - IDEMPOTENCY_ABANDONED_MS) return { kind: 'run', replacing: existing };
  return { kind: 'in_progress' };
}

/** Whether an answer is kept for repeats: a 5xx is not (the store was down; a retry should run again). */
export function keepsAnswer(status: number): boolean {
  return status < 500;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The reason an `Idempotency-Key` header value is refused, or null: 1 to 255 visible ASCII characters. */
export function idempotencyKeyProblem(value: string): string | null {
  return KEY.test(value) ? null : 'must be 1 to 255 visible ASCII characters';
}
