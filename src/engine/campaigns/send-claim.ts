import type { Engine } from '../engine.ts';

/** A lease lasts this many provider timeouts; a call starts only while `CALL_MARGIN` of them are left. */
const LEASE_TIMEOUTS = 3;
const CALL_MARGIN = 2;

/**
 * How long a claimed message belongs to the dispatcher that claimed it; after that another may
 * take it: three provider timeouts (30 s by default), renewed while its calls go on (SendClaim).
 * A process that dies holding messages delays them by at most this; a shorter
 * `TIDINGS_PROVIDER_TIMEOUT_MS` shortens it.
 */
export function sendLeaseMs(providerTimeoutMs: number): number {
  return LEASE_TIMEOUTS * providerTimeoutMs;
}

/**
 * A dispatcher's hold on the messages it claimed: the lease they share (`lease_until`), renewed
 * when a provider call about to start could outlast it.
 *
 * A call starts only while the lease has two provider timeouts left: the call ends within one
 * (HTTP calls are bounded in total, see callProvider), which leaves one to record its outcome.
 * With less left, the lease is renewed first, for all the messages still held, in one short
 * transaction; a message another dispatcher has taken meanwhile (its lease ran out while this
 * process was held up) is no longer ours, and is not sent by us. Renewal is driven by the calls
 * themselves and reads the engine's clock: no timer of its own.
 */
export class SendClaim {
  private readonly engine: Engine;
  private readonly timeoutMs: number;
  private held: Set<string>;
  private renewing: Promise<void> | null = null;
  /** The lease the messages are held under now; outcomes are recorded under it. */
  lease: number;

  constructor(engine: Engine, messageIds: string[], lease: number, timeoutMs: number) {
    this.engine = engine;
    this.held = new Set(messageIds);
    this.lease = lease;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Whether a call for this message may start now: renews the lease first when it is needed. A
   * renewal that fails (the store is unavailable) starts no more calls, and the batch still
   * records the calls it made under the lease it has.
   */
  async mayCall(messageId: string): Promise<boolean> {
    if (this.engine.clock.now() > this.lease - CALL_MARGIN * this.timeoutMs) {
      try {
        await this.renew();
      } catch {
        return false;
      }
    }
    return this.held.has(messageId);
  }

  /** One renewal at a time; the lanes that need it meanwhile wait for the same one. */
  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      const now = this.engine.clock.now();
      const next = now + LEASE_TIMEOUTS * this.timeoutMs;
      const kept = await this.engine.store.transaction((tx) =>
        tx.campaigns.updateClaimedMessages([...this.held], this.lease, { lease_until: next, updated_at: now }),
      );
      this.held = new Set(kept);
      this.lease = next;
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }
}
