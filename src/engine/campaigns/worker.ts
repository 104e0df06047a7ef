import type { ChannelAdapter } from '../../core/campaigns/send-check.ts';
import type { DueWork } from '../../store/campaign-store.ts';
import type { MessageRow } from '../../core/message.ts';
import type { Engine } from '../engine.ts';
import { runDueMessages, sendClaimed } from './dispatcher.ts';
import { runDueEntries } from './scheduler.ts';
import { runBroadcastPage } from './broadcast.ts';

/** How often the worker looks for work another process may have committed, at the latest. */
const POLL_MS = 1000;
/** Sends per transaction: large batches share index pages and commits (see docs/benchmarks.md, B3). */
export const DEFAULT_BATCH_SIZE = 2000;
/** `TIDINGS_WORKER_BATCH`: sends per worker transaction (default 2,000); smaller commits more often. */
export function workerBatchSize(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_BATCH_SIZE;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 100_000)
    throw new Error(`TIDINGS_WORKER_BATCH must be an integer from 1 to 100000, not ${JSON.stringify(value)}`);
  return size;
}

/** How soon it looks again at due work another process had claimed. */
const CLAIMED_ELSEWHERE_MS = 20;

/**
 * Does the campaign work that is due: pending sends (scheduler), then outgoing messages
 * (dispatcher), then a page of a running broadcast, until nothing is due. The server runs it on
 * real time; `tidings simulate` calls `runDue` itself after moving its virtual clock.
 */
export class CampaignWorker {
  private readonly engine: Engine;
  private readonly adapter: ChannelAdapter;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private unlisten: (() => void) | null = null;
  private readonly onError: (error: unknown) => void;
  private readonly batchSize: number;
  /** Batches of claimed messages whose provider calls are under way, and how many messages they hold. */
  private readonly sending = new Set<Promise<void>>();
  private messagesSending = 0;

  /** `batchSize`: pending sends, and outgoing messages, handled per transaction. */
  constructor(
    engine: Engine,
    adapter: ChannelAdapter,
    onError: (error: unknown) => void = () => {},
    options: { batchSize?: number } = {},
  ) {
    this.engine = engine;
    this.adapter = adapter;
    this.onError = onError;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Handles everything due at the clock's current time; returns how many entries and messages it handled. */
  async runDue(): Promise<number> {
    return (await this.runDueAndPeek()).handled;
  }

  /**
   * Handles everything due now, and says when the next thing falls due (null: nothing pending).
   * It looks before it claims, so an instant where only pending entries fall due (every instant
   * of a simulation) costs one transaction. A pass can create work due at once (a send fires
   * another campaign), hence the loop; a pass that finds due work it cannot claim (another
   * process holds it) stops, so that the caller waits instead of spinning.
   *
   * The messages a scheduler pass writes go out at once, claimed in its own transaction. With
   * `awaitSends: false` (the server's loop) their provider calls run beside the next passes instead
   * of holding them up, up to `batchSize` messages at a time, and the worker looks again when each
   * is recorded; otherwise (tests, simulations) every send is recorded before this returns.
   */
  async runDueAndPeek(options: { awaitSends?: boolean } = {}): Promise<{ handled: number; next: number | null }> {
    const awaitSends = options.awaitSends ?? true;
    let handled = 0;
    for (;;) {
      const due = await this.engine.store.read((r) => r.campaigns.nextDue());
      const now = this.engine.clock.now();
      const next = earliest(due);
      if (next !== null && next <= now) {
        let round = 0;
        if (due.entries !== null && due.entries <= now) {
          const scheduled = await runDueEntries(this.engine, this.adapter, this.batchSize);
          round += scheduled.handled + scheduled.claimed.length;
          await this.send(scheduled.claimed, scheduled.leaseUntil);
        }
        if (due.messages !== null && due.messages <= now)
          round += await runDueMessages(this.engine, this.adapter, this.batchSize);
        // One page of a broadcast a pass: its decisions' sends are due in the next.
        if (due.broadcasts !== null && due.broadcasts <= now)
          round += await runBroadcastPage(this.engine, this.batchSize);
        handled += round;
        if (round > 0) {
          // The SQLite store answers synchronously: let HTTP requests in between batches of a backlog.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
      }
      // Nothing more to claim now. Sends of ours still out are waited for only when asked: their
      // records may make more work due at once.
      if (!awaitSends || this.sending.size === 0) return { handled, next };
      await Promise.all(this.sending);
    }
  }

  /**
   * Starts sending claimed messages without waiting for the answers. With more than `batchSize`
   * messages under way it first waits for a batch to be recorded: a backlog then holds one batch
   * in flight and the next one ready, not an unbounded number in memory.
   */
  private async send(claimed: MessageRow[], leaseUntil: number): Promise<void> {
    if (claimed.length === 0) return;
    while (this.sending.size > 0 && this.messagesSending + claimed.length > this.batchSize)
      await Promise.race(this.sending);
    this.messagesSending += claimed.length;
    const sending: Promise<void> = sendClaimed(this.engine, this.adapter, claimed, leaseUntil)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.messagesSending -= claimed.length;
        this.sending.delete(sending);
        // Its record may have made work (a fallback, a campaign on the `sent` interaction).
        this.kick();
      });
    this.sending.add(sending);
  }

  /** The next instant something is due, or null. */
  async nextDueAt(): Promise<number | null> {
    return earliest(await this.engine.store.read((r) => r.campaigns.nextDue()));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unlisten = this.engine.work.listen(() => this.kick());
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await Promise.all(this.sending);
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.cycle().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async cycle(): Promise<void> {
    let wait = POLL_MS;
    try {
      const { next } = await this.runDueAndPeek({ awaitSends: false });
      // Due but not claimable (another process holds it): look again shortly, not at once.
      if (next !== null) {
        const until = next - this.engine.clock.now();
        wait = Math.min(POLL_MS, until > 0 ? until : CLAIMED_ELSEWHERE_MS);
      }
    } catch (error) {
      this.onError(error);
    }
    if (!this.stopped) this.timer = setTimeout(() => this.kick(), wait);
  }
}

function earliest(due: DueWork): number | null {
  const times = [due.entries, due.messages, due.broadcasts].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.min(...times);
}
