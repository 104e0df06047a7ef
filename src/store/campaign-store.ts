import type { Json } from '../core/user.ts';

/** The kinds of definition documents kept in the `definitions` table. */
export const DEFINITION_KINDS = ['campaign', 'segment', 'content_block', 'channel'] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

export interface DefinitionRow<T = unknown> {
  kind: DefinitionKind;
  id: string;
  document: T;
  updated_at: number;
  /** Campaigns: when the status last became `active` (a trigger before it is `event_before_launch`). */
  activated_at: number | null;
}

/** What a pending send remembers of its trigger, for the template and the send-time checks. */
export interface EntryContext {
  event?: { name: string; properties: Record<string, Json> };
  api?: Record<string, Json>;
  inbound?: Record<string, Json>;
}

/** One qualifying trigger of a campaign for a user: pending until its send time, then done. */
export interface JourneyEntry {
  id: string;
  campaign_id: string;
  user_id: string;
  state: 'pending' | 'done';
  triggered_at: number;
  due_at: number;
  context: EntryContext;
  updated_at: number;
}

/** The last message a user received from a campaign (re-eligibility, `received_campaign`, conversions). */
export interface Receipt {
  user_id: string;
  campaign_id: string;
  last_received_at: number;
  /** When that receipt converted; a receipt converts once. */
  converted_at: number | null;
}

export interface TimelineRow {
  id: string;
  user_id: string;
  campaign_id: string | null;
  entry_id: string | null;
  message_id: string | null;
  at: number;
  outcome: string;
  reason: string | null;
  details: Record<string, Json>;
}

export type MessageState = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed';

/** An outgoing message (the outbox): written with the decision, sent by the dispatcher. */
export interface MessageRow {
  id: string;
  entry_id: string | null;
  campaign_id: string | null;
  user_id: string;
  channel_id: string;
  channel_type: string;
  recipient: string;
  payload: Json;
  state: MessageState;
  attempts: number;
  next_attempt_at: number;
  /** While `sending`: until when the dispatcher that claimed it owns it. */
  lease_until: number | null;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  details: Record<string, Json>;
  created_at: number;
  updated_at: number;
}

export type MessageUpdate = Partial<
  Pick<MessageRow, 'state' | 'next_attempt_at' | 'lease_until' | 'provider_message_id' | 'error_code' | 'error_message'>
> & { updated_at: number };

export interface SandboxMessage {
  message_id: string;
  channel_id: string;
  channel_type: string;
  recipient: string;
  payload: Json;
  received_at: number;
}

/** When each kind of the worker's work next falls due (null: none pending). */
export interface DueWork {
  entries: number | null;
  /** A queued message, or one whose dispatcher's lease runs out. */
  messages: number | null;
  /** The oldest broadcast still being decided (due from its creation). */
  broadcasts: number | null;
}

/** A broadcast being decided page by page: the users after `after_user` (by id) are still to come. */
export interface Broadcast {
  dispatch_id: string;
  campaign_id: string;
  properties: Record<string, Json>;
  after_user: string | null;
  /** Users of the campaign's audience triggered so far. */
  recipients: number;
  state: 'running' | 'done';
  created_at: number;
  updated_at: number;
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
  /** When the earliest pending entry, outgoing message and running broadcast fall due (null: none). */
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
