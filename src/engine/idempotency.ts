import {
  decideIdempotency,
  IDEMPOTENCY_TTL_MS,
  type IdempotencyDecision,
  type IdempotentAnswer,
} from '../core/idempotency.ts';
import type { Engine } from './engine.ts';

/** A key a request holds while it runs: its answer is recorded under it, or it is released. */
export interface IdempotencyClaim {
  apiKeyId: string;
  key: string;
  claimedAt: number;
}

export type IdempotencyOutcome =
  | { kind: 'run'; claim: IdempotencyClaim }
  | Exclude<IdempotencyDecision, { kind: 'run' }>;

/**
 * Looks the key up and, when the request is to run, claims it, in one transaction of its own
 * (also dropping a batch of expired keys). A claim lost to a concurrent request with the same key
 * is `in_progress`.
 */
export function claimIdempotencyKey(
  engine: Engine,
  apiKeyId: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyOutcome> {
  return engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    await tx.idempotency.purge(now - IDEMPOTENCY_TTL_MS);
    const decision = decideIdempotency(await tx.idempotency.get(apiKeyId, key), requestHash, now);
    if (decision.kind !== 'run') return decision;
    const claimed = await tx.idempotency.claim(
      { api_key_id: apiKeyId, key, request_hash: requestHash, created_at: now },
      decision.replacing,
    );
    return claimed ? { kind: 'run', claim: { apiKeyId, key, claimedAt: now } } : { kind: 'in_progress' };
  });
}

/** Keeps the first answer for repeats. */
export function recordIdempotentAnswer(engine: Engine, claim: IdempotencyClaim, answer: IdempotentAnswer) {
  return engine.store.transaction((tx) => tx.idempotency.answer(claim.apiKeyId, claim.key, claim.claimedAt, answer));
}

/** Frees the key: the request's answer is not one to repeat. */
export function releaseIdempotencyKey(engine: Engine, claim: IdempotencyClaim) {
  return engine.store.transaction((tx) => tx.idempotency.release(claim.apiKeyId, claim.key, claim.claimedAt));
}
