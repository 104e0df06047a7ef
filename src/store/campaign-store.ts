import type { Broadcast } from '../core/campaigns/broadcast.ts';
import type { JourneyEntry } from '../core/campaigns/journey-entry.ts';
import type { Receipt } from '../core/campaigns/receipt.ts';
import type { DefinitionKind, DefinitionRow } from '../core/definition-row.ts';
import type { MessageRow, MessageState, MessageUpdate, SandboxMessage } from '../core/message.ts';
import type { TimelineRow } from '../core/timeline.ts';

/** When each kind of the worker's work next falls due (null: none pending). */
export interface DueWork {
  entries: number | null;
  /** A queued message, or one whose dispatcher's lease runs out. */
  messages: number | null;
  /** The oldest broadcast still being decided (due from its creation). */
  broadcasts: number | null;
  /** The earliest timer of a waiting journey instance (not acted on by the worker yet, issue 11). */
  journeys: number | null;
}

export interface MessageFilter {
  campaign_id?: string;
  user_id?: string;
  channel_id?: string;
  state?: MessageState;
  /** Keyset paging: only the messages that come after this one, newest first (by created_at, then id). */
  before?: { created_at: number; id: string };
  limit?: number;
}

/** The campaign engine's reads. */
export interface CampaignReader {
  listDefinitions<T>(kind: DefinitionKind): Promise<Array<DefinitionRow<T>>>;
  getDefinition<T>(kind: DefinitionKind, id: string): Promise<DefinitionRow<T> | null>;
  pendingEntries(userIds: string[]): Promise<JourneyEntry[]>;
  /** Entries by id, in any state. */
  getEntries(ids: string[]): Promise<JourneyEntry[]>;
  receipts(userIds: string[]): Promise<Receipt[]>;
  /** When the earliest pending entry, outgoing message, running broadcast and journey timer fall due (null: none). */
  nextDue(): Promise<DueWork>;
  getBroadcast(dispatchId: string): Promise<Broadcast | null>;
  /** A user's decisions, newest first. */
  listTimeline(userId: string, options?: { limit?: number; campaignId?: string }): Promise<TimelineRow[]>;
  /** Every decision of every user, oldest first (simulations; never on a production-sized store). */
  allTimeline(): Promise<TimelineRow[]>;
  campaignStats(campaignId: string): Promise<Array<{ outcome: string; reason: string | null; count: number }>>;
  /** Newest first (created_at, then id, descending), through an index whatever the filter. */
  listMessages(filter: MessageFilter): Promise<MessageRow[]>;
  getMessage(id: string): Promise<MessageRow | null>;
  /** The message a provider knows by this id on this channel. */
  findMessageByProviderId(channelId: string, providerMessageId: string): Promise<MessageRow | null>;
  /** Newest first. */
  listSandboxMessages(filter: { channel_id?: string; recipient?: string; limit?: number }): Promise<SandboxMessage[]>;
}

/** The campaign engine's writes, inside a store transaction. */
export interface CampaignWriter extends CampaignReader {
  putDefinition(row: DefinitionRow): Promise<void>;
  insertBroadcast(broadcast: Broadcast): Promise<void>;
  /** The oldest running broadcast, held by this transaction (on PostgreSQL others skip it), or null. */
  claimRunningBroadcast(): Promise<Broadcast | null>;
  updateBroadcast(
    dispatchId: string,
    update: Pick<Broadcast, 'after_user' | 'recipients' | 'state' | 'updated_at'>,
  ): Promise<void>;
  deleteDefinition(kind: DefinitionKind, id: string): Promise<boolean>;
  insertEntries(entries: JourneyEntry[]): Promise<void>;
  /**
   * Marks pending entries done; returns the ids that were still pending. Another process may have
   * claimed an entry in the meantime (PostgreSQL waits for its commit, then skips it).
   */
  finishEntries(ids: string[], now: number): Promise<string[]>;
  /** Pending entries due at `now`, oldest first, locked for this transaction (other processes skip them). */
  claimDueEntries(now: number, limit: number): Promise<JourneyEntry[]>;
  /** Several receipts for one user and campaign: the last one counts. */
  upsertReceipts(receipts: Receipt[]): Promise<void>;
  insertTimeline(rows: TimelineRow[]): Promise<void>;
  insertMessages(rows: MessageRow[]): Promise<void>;
  /**
   * Queued messages due at `now`, and `sending` ones whose lease ran out (their dispatcher died):
   * marked `sending` with a lease until `leaseUntil` and one more attempt, oldest first.
   */
  claimDueMessages(now: number, limit: number, leaseUntil: number): Promise<MessageRow[]>;
  /** The same update on every message named. */
  updateMessages(ids: string[], update: MessageUpdate): Promise<void>;
  /**
   * The update on those of the messages still `sending` under the lease `leaseUntil` (this
   * dispatcher's claim; another may have taken over a message whose lease ran out); returns them.
   */
  updateClaimedMessages(ids: string[], leaseUntil: number, update: MessageUpdate): Promise<string[]>;
  /**
   * Marks these claimed messages `sent`, each with its own provider message id, in one statement,
   * only those still held under `leaseUntil`; returns their ids.
   */
  markClaimedMessagesSent(
    sent: Array<{ id: string; provider_message_id: string | null }>,
    leaseUntil: number,
    now: number,
  ): Promise<string[]>;
  /** Returns how many were new: a message already in the sandbox is not delivered there twice. */
  insertSandboxMessages(rows: SandboxMessage[]): Promise<number>;
  /** Empties the sandbox inbox (only the channel's or the recipient's messages, when given); returns how many went. */
  clearSandboxMessages(filter: { channel_id?: string; recipient?: string }): Promise<number>;
  /**
   * A deleted user's campaign history: their timeline, messages (queued ones never go out),
   * sandbox deliveries, receipts and finished entries are deleted. Pending entries stay, with their
   * trigger context emptied, so that each is recorded as `suppressed: user_deleted` when due.
   */
  forgetUser(userId: string): Promise<void>;
  /** Records inbound webhook events as seen; returns the ids not seen before (the others are redeliveries). */
  markWebhookEvents(channelId: string, eventIds: string[], at: number): Promise<string[]>;
  /** A merged user's campaign history goes to the profile it merged into; per campaign, the later receipt wins. */
  moveUserHistory(fromId: string, toId: string): Promise<void>;
}
