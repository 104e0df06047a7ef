import type { ChannelAdapter } from '../../core/campaigns/send-check.ts';
import type { DueWork } from '../../store/campaign-store.ts';
import type { Engine } from '../engine.ts';
import { runDueMessages } from './dispatcher.ts';
import { runDueEntries } from './scheduler.ts';

/** How often the worker looks for work another process may have committed, at the latest. */
const POLL_MS = 1000;
/** Sends per transaction: large batches share index pages and commits (see docs/benchmarks.md, B3). */
export const DEFAULT_BATCH_SIZE = 2000;
/** How soon it looks again at due work another process had claimed. */
const CLAIMED_ELSEWHERE_MS = 20;

/**
 * Does the campaign work that is due: pending sends (scheduler), then outgoing messages
 * (dispatcher), until nothing is due. The server runs it on real time; `tidings simulate` calls
 * `runDue` itself after moving its virtual clock.
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

  /** `batchSize`: pending sends, and outgoing messages, handled per transaction. */
  constructor(engine: Engine, adapter: ChannelAdapter, onError: (error: unknown) => void = () => {}, options: { batchSize?: number } = {}) {
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
   */
  async runDueAndPeek(): Promise<{ handled: number; next: number | null }> {
    let handled = 0;
    for (;;) {
      const due = await this.engine.store.read((r) => r.campaigns.nextDue());
      const now = this.engine.clock.now();
      const next = earliest(due);
      if (next === null || next > now) return { handled, next };
      let round = 0;
      if (due.entries !== null && due.entries <= now) round += await runDueEntries(this.engine, this.adapter, this.batchSize);
      if (due.messages !== null && due.messages <= now) round += await runDueMessages(this.engine, this.adapter, this.batchSize);
      handled += round;
      if (round === 0) return { handled, next };
      // The SQLite store answers synchronously: let HTTP requests in between batches of a backlog.
      await new Promise((resolve) => setImmediate(resolve));
    }
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
      const { next } = await this.runDueAndPeek();
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
  if (due.entries === null) return due.messages;
  return due.messages === null ? due.entries : Math.min(due.entries, due.messages);
}
