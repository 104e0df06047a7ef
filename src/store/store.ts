import type { ApiKeyRecord } from '../core/api-key.ts';
import type { EventRecord } from '../core/event.ts';
import type { SubscriptionChange } from '../core/subscription-change.ts';
import type { CampaignReader, CampaignWriter } from './campaign-store.ts';
import type { DefinitionVersionsSql } from './sql/definition-versions-sql.ts';
import type { IdempotencySql } from './sql/idempotency-sql.ts';
import type { JourneyReader, JourneyWriter } from './journey-store.ts';
import type { UserKeys } from '../core/identifiers.ts';
import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import type { Settings } from '../schemas/settings.ts';
import type { UserAlias, UserRecord } from '../core/user.ts';

export interface MigrationReport {
  applied: string[];
  current: number;
}

/** Everything the engine may read. On SQLite reads are serialised with writes. */
export interface StoreReader {
  /** Campaign definitions, journey entries, timeline, outbox and sandbox. */
  readonly campaigns: CampaignReader;
  /** The immutable versions of definitions (canvases); written only inside a transaction. */
  readonly definitionVersions: DefinitionVersionsSql;
  /** Journey instances (issue 11). */
  readonly journeys: JourneyReader;

  getSettings(): Promise<Partial<Settings>>;

  /** Profiles matching any of the keys, with their aliases and subscriptions. */
  loadUsers(keys: UserKeys): Promise<UserRecord[]>;
  /** A user's events, newest first. */
  listEvents(userId: string, options?: { limit?: number }): Promise<EventRecord[]>;
  countUsers(): Promise<number>;
  /** Profile ids in id order, the first `limit` after `afterId` (null: from the start). */
  userIdsAfter(afterId: string | null, limit: number): Promise<string[]>;

  getSubscriptionGroup(id: string): Promise<SubscriptionGroup | null>;
  listSubscriptionGroups(): Promise<SubscriptionGroup[]>;

  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
}

/** One unit of work; everything written through it commits or rolls back together. */
export interface StoreTx extends StoreReader {
  readonly campaigns: CampaignWriter;
  readonly journeys: JourneyWriter;
  /** Idempotency keys of the Braze-compatible write endpoints (core/idempotency.ts). */
  readonly idempotency: IdempotencySql;

  putSettings(settings: Partial<Settings>): Promise<void>;

  insertUsers(users: UserRecord[]): Promise<void>;
  /** Writes the profile columns (not aliases or subscriptions) of existing users. */
  updateUsers(users: UserRecord[]): Promise<void>;
  /**
   * Removes a profile and everything personal attached to it: aliases, subscriptions, events, and
   * its campaign history (`CampaignWriter.forgetUser`) and journey instances (`JourneyWriter.forgetUser`).
   */
  deleteUser(id: string): Promise<void>;
  insertAliases(rows: Array<UserAlias & { user_id: string }>): Promise<void>;
  /**
   * Moves aliases, events and subscriptions of `fromId` that `toId` lacks onto `toId` (merge), and
   * its campaign history (`CampaignWriter.moveUserHistory`) and journey instances (`JourneyWriter.moveUserHistory`).
   */
  moveUserData(fromId: string, toId: string): Promise<void>;
  upsertSubscriptions(rows: SubscriptionChange[]): Promise<void>;

  insertEvents(events: EventRecord[]): Promise<void>;

  putSubscriptionGroup(group: SubscriptionGroup): Promise<void>;
  deleteSubscriptionGroup(id: string): Promise<boolean>;

  insertApiKey(key: ApiKeyRecord): Promise<void>;
  deleteApiKey(id: string): Promise<boolean>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Brings the schema to the newest version; safe to call on every start. */
  migrate(): Promise<MigrationReport>;
  /**
   * Every call below has a deadline (the store's `timeoutMs`, `TIDINGS_STORE_TIMEOUT_MS`), and a
   * store fault (unreachable, connection lost, no answer in time, disk full) is thrown as a
   * `TidingsError` (`store_unavailable`, `store_full`; see store-faults.ts), never a driver error.
   *
   * Runs `work` in one transaction. Work that hits a write conflict (PostgreSQL serialisation,
   * deadlock or unique race) is run again from the start, so it must not have effects outside it.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  read<T>(work: (reader: StoreReader) => Promise<T>): Promise<T>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /**
   * Resolves when the store can take a write now (readiness): commits a write that leaves nothing
   * behind, within `timeoutMs` (or the store's own deadline, if shorter). Rejects with
   * `store_unavailable` (unreachable, read-only, no answer in time) or `store_full`.
   */
  probeWrite(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
