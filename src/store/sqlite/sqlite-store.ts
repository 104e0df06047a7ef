import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventRecord } from '../../core/event.ts';
import type { UserKeys } from '../../core/identifiers.ts';
import type { Json, UserAlias, UserRecord } from '../../core/user.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { SubscriptionGroup } from '../../schemas/subscription-group.ts';
import type { MigrationReport, Store, StoreReader, StoreTx } from '../store.ts';
import type { ApiKeyRecord } from '../../core/api-key.ts';
import type { SubscriptionChange } from '../../core/subscription-change.ts';
import { CampaignSql } from '../sql/campaign-sql.ts';
import { DefinitionVersionsSql } from '../sql/definition-versions-sql.ts';
import { IdempotencySql } from '../sql/idempotency-sql.ts';
import { JourneySql } from '../sql/journey-sql.ts';
import type { SqlRunner } from '../sql/sql-runner.ts';
import { DEFAULT_STORE_TIMEOUT_MS, storeTimedOut } from '../store-deadline.ts';
import { sqliteFault } from '../store-faults.ts';
import { WRITE_PROBE_KEY, WRITE_PROBE_VALUE } from '../write-probe.ts';
import { SerialQueue } from './serial-queue.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SQLITE_PRAGMAS } from './pragmas.ts';
import { userKey } from './user-key.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

type Row = Record<string, unknown>;

/**
 * With checkpoints on their own thread, the writer still checkpoints once the WAL holds this many
 * pages (64 MiB): the backstop for when the thread falls behind or never finds the WAL fully
 * copied, which it needs to start it over.
 */
const BACKSTOP_CHECKPOINT_PAGES = 16_000;

/**
 * The embedded store: one `node:sqlite` connection owned by the process, WAL mode. SQLite has a
 * single writer anyway, so every unit of work (reads included, so that a read never sees another
 * request's uncommitted rows) runs in turn on the queue.
 */
export interface SqliteStoreOptions {
  /**
   * Keep one transaction open for the store's life, each unit of work a savepoint in it, committed
   * at `close`. Only for throwaway in-memory stores (`tidings simulate`): nothing there outlives
   * the process anyway, and a commit on an in-memory database takes time in proportion to the
   * database's size (measured: 0.05 ms at 10,000 timeline rows, 1.7 ms at 600,000), which made a
   * large simulation spend a quarter of its time committing. A failed unit still rolls back alone.
   */
  singleTransaction?: boolean;
  /**
   * Checkpoint the WAL from a thread of its own (wal-checkpointer.ts), for processes that serve
   * requests or send for a long time; a file database only.
   */
  backgroundCheckpoints?: boolean;
  /**
   * The deadline of a unit of work, in ms (default 5,000; `TIDINGS_STORE_TIMEOUT_MS`): how long it
   * may wait for its turn on the queue, and for another process's write lock (`busy_timeout`).
   * Past it, the caller gets `store_unavailable`.
   */
  timeoutMs?: number;
  /** PRAGMAs run after the store's own, e.g. `max_page_count = 100` (tests provoke a full disk with it). */
  pragmas?: string[];
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: DatabaseSync;
  private readonly queue = new SerialQueue();
  private readonly statements = new Map<string, StatementSync>();
  private readonly tx: SqliteTx;
  private readonly singleTransaction: boolean;
  private readonly checkpointer: WalCheckpointer | null;
  private readonly timeoutMs: number;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.singleTransaction = options.singleTransaction ?? false;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    for (const pragma of SQLITE_PRAGMAS) this.db.exec(`PRAGMA ${pragma}`);
    this.db.exec('PRAGMA foreign_keys = ON');
    this.db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.timeoutMs)}`);
    for (const pragma of options.pragmas ?? []) this.db.exec(`PRAGMA ${pragma}`);
    this.db.function('tidings_user_key', { deterministic: true }, (id) => userKey(String(id)));
    this.tx = new SqliteTx((sql) => this.statement(sql));
    this.checkpointer =
      options.backgroundCheckpoints && path !== ':memory:' && !this.singleTransaction
        ? new WalCheckpointer(path)
        : null;
    if (this.checkpointer) this.db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs a unit of work in its turn, within the deadline for starting; a store fault leaves as a
   * TidingsError (store-faults.ts).
   */
  private inTurn<T>(job: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    return this.queue
      .runWithin(timeoutMs, () => storeTimedOut(timeoutMs), job)
      .catch((error: unknown) => {
        throw sqliteFault(error) ?? error;
      });
  }

  async migrate(): Promise<MigrationReport> {
    return this.inTurn(async () => {
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
      );
      const done = new Set(
        (this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)),
      );
      const applied: string[] = [];
      for (const migration of SQLITE_MIGRATIONS) {
        if (done.has(migration.version)) continue;
        this.begin();
        try {
          this.db.exec(migration.sql);
          this.db
            .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(migration.version, migration.name, Date.now());
          this.commit();
        } catch (error) {
          this.rollback();
          throw error;
        }
        applied.push(`${migration.version} ${migration.name}`);
      }
      return { applied, current: SQLITE_MIGRATIONS.at(-1)?.version ?? 0 };
    });
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.inTurn(async () => {
      this.begin();
      try {
        const result = await work(this.tx);
        this.commit();
        return result;
      } catch (error) {
        this.rollback();
        throw error;
      }
    });
  }

  // A unit of work is a transaction, or with `singleTransaction` a savepoint in the one open transaction.
  private begin(): void {
    if (!this.singleTransaction) return void this.db.exec('BEGIN IMMEDIATE');
    if (!this.db.isTransaction) this.db.exec('BEGIN');
    this.db.exec('SAVEPOINT unit');
  }

  private commit(): void {
    this.db.exec(this.singleTransaction ? 'RELEASE unit' : 'COMMIT');
  }

  private rollback(): void {
    if (!this.db.isTransaction) return;
    this.db.exec(this.singleTransaction ? 'ROLLBACK TO unit; RELEASE unit' : 'ROLLBACK');
  }

  read<T>(work: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.inTurn(() => work(this.tx));
  }

  async ping(): Promise<void> {
    await this.inTurn(async () => this.db.prepare('SELECT 1').get());
  }

  /**
   * Commits a write that leaves nothing behind (write-probe.ts). A database at its size limit cannot allocate the pages, a full disk
   * cannot append them to the WAL at commit, a read-only file refuses it.
   */
  async probeWrite(timeoutMs: number): Promise<void> {
    await this.inTurn(
      async () => {
        this.begin();
        try {
          this.tx.probeWrite();
          this.commit();
        } catch (error) {
          this.rollback();
          throw error;
        }
      },
      Math.min(timeoutMs, this.timeoutMs),
    );
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    await this.queue.run(async () => {
      if (!this.db.isOpen) return;
      if (this.db.isTransaction) this.db.exec('COMMIT');
      this.db.close();
    });
  }
}

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: unknown): T => JSON.parse(String(text)) as T;

interface SqliteSpelling {
  text: string;
  /** The `$n` of each `?` in turn; null when that is simply 1, 2, 3… */
  order: number[] | null;
}

/**
 * The shared SQL numbers its parameters `$1…$n`; this spells them as anonymous `?`, repeating a
 * value where a number is used twice. Not as `?NNN`: node:sqlite binds numbered parameters in
 * time quadratic in their count (a 100-row insert of 18 columns cost 49 µs a row, against 4 µs
 * with `?`).
 */
function sqliteSpelling(text: string): SqliteSpelling {
  const order: number[] = [];
  const spelled = text.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n));
    return '?';
  });
  return { text: spelled, order: order.every((n, i) => n === i + 1) ? null : order };
}

class SqliteTx implements StoreTx {
  private readonly sql: (text: string) => StatementSync;
  readonly campaigns: CampaignSql;
  readonly idempotency: IdempotencySql;
  readonly definitionVersions: DefinitionVersionsSql;
  readonly journeys: JourneySql;

  constructor(sql: (text: string) => StatementSync) {
    this.sql = sql;
    const spelled = new Map<string, SqliteSpelling>();
    const run = (text: string, values: unknown[]): { statement: StatementSync; values: SQLInputValue[] } => {
      let spelling = spelled.get(text);
      if (spelling === undefined) spelled.set(text, (spelling = sqliteSpelling(text)));
      const bound = spelling.order === null ? values : spelling.order.map((n) => values[n - 1]);
      return { statement: sql(spelling.text), values: bound as SQLInputValue[] };
    };
    const runner: SqlRunner = {
      dialect: 'sqlite',
      rows: async (text, values = []) => {
        const { statement, values: bound } = run(text, values);
        return statement.all(...bound) as Row[];
      },
      changes: async (text, values = []) => {
        const { statement, values: bound } = run(text, values);
        return Number(statement.run(...bound).changes);
      },
    };
    this.campaigns = new CampaignSql(runner);
    this.idempotency = new IdempotencySql(runner);
    this.definitionVersions = new DefinitionVersionsSql(runner);
    this.journeys = new JourneySql(runner, { locking: false });
  }

  /** See SqliteStore.probeWrite. */
  probeWrite(): void {
    this.sql('INSERT INTO settings (key, value) VALUES (?, ?)').run(WRITE_PROBE_KEY, WRITE_PROBE_VALUE);
    this.sql('DELETE FROM settings WHERE key = ?').run(WRITE_PROBE_KEY);
  }

  async getSettings(): Promise<Partial<Settings>> {
    const rows = this.sql('SELECT key, value FROM settings').all() as Row[];
    return Object.fromEntries(rows.map((r) => [r.key, parse(r.value)])) as Partial<Settings>;
  }

  async putSettings(settings: Partial<Settings>): Promise<void> {
    const upsert = this.sql(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    for (const [key, value] of Object.entries(settings)) if (value !== undefined) upsert.run(key, json(value));
  }

  async loadUsers(keys: UserKeys): Promise<UserRecord[]> {
    const rows = new Map<string, Row>();
    const collect = (sql: string, values: unknown[]) => {
      if (values.length === 0) return;
      for (const row of this.sql(sql).all(json(values)) as Row[]) rows.set(String(row.id), row);
    };
    collect('SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?))', keys.ids);
    collect('SELECT * FROM users WHERE external_id IN (SELECT value FROM json_each(?))', keys.externalIds);
    collect('SELECT * FROM users WHERE email IN (SELECT value FROM json_each(?))', keys.emails);
    collect('SELECT * FROM users WHERE phone IN (SELECT value FROM json_each(?))', keys.phones);
    collect('SELECT * FROM users WHERE line_id IN (SELECT value FROM json_each(?))', keys.lineIds);
    collect(
      `SELECT u.* FROM users u JOIN user_aliases a ON a.user_id = u.id
       JOIN json_each(?) k ON a.alias_label = k.value ->> '$.alias_label' AND a.alias_name = k.value ->> '$.alias_name'`,
      keys.aliases,
    );
    if (rows.size === 0) return [];
    const ids = json([...rows.keys()]);
    const aliases = this.sql(
      'SELECT user_id, alias_label, alias_name FROM user_aliases WHERE user_id IN (SELECT value FROM json_each(?))',
    ).all(ids) as Row[];
    const subscriptions = this.sql(
      'SELECT user_id, group_id, state, changed_at FROM user_subscriptions WHERE user_id IN (SELECT value FROM json_each(?))',
    ).all(ids) as Row[];
    const users = new Map([...rows.values()].map((row) => [String(row.id), userFromRow(row)]));
    for (const a of aliases)
      users
        .get(String(a.user_id))!
        .aliases.push({ alias_label: String(a.alias_label), alias_name: String(a.alias_name) });
    for (const s of subscriptions) {
      users.get(String(s.user_id))!.subscriptions[String(s.group_id)] = {
        state: s.state as 'subscribed' | 'unsubscribed',
        changed_at: Number(s.changed_at),
      };
    }
    return [...users.values()];
  }

  async countUsers(): Promise<number> {
    return Number((this.sql('SELECT count(*) AS n FROM users').get() as Row).n);
  }

  async userIdsAfter(afterId: string | null, limit: number): Promise<string[]> {
    const rows = this.sql('SELECT id FROM users WHERE id > ? ORDER BY id LIMIT ?').all(afterId ?? '', limit) as Row[];
    return rows.map((r) => String(r.id));
  }

  async insertUsers(users: UserRecord[]): Promise<void> {
    const insert = this.sql(
      `INSERT INTO users (id, external_id, email, phone, line_id, standard, custom, last_interacted_channel, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const u of users) {
      insert.run(
        u.id,
        u.external_id,
        u.email,
        u.phone,
        u.line_id,
        json(u.standard),
        json(u.custom),
        u.last_interacted_channel,
        u.created_at,
        u.updated_at,
      );
    }
  }

  async updateUsers(users: UserRecord[]): Promise<void> {
    const updateProfile = this.sql(
      'UPDATE users SET standard = ?, custom = ?, last_interacted_channel = ?, updated_at = ? WHERE id = ?',
    );
    // SQLite rewrites the index entries of every column an UPDATE sets, changed or not; most
    // updates leave the identifiers alone, and skipping their four indexes made updates 2.7x faster.
    const updateIdentifiers = this.sql(
      `UPDATE users SET external_id = ?1, email = ?2, phone = ?3, line_id = ?4 WHERE id = ?5
       AND (external_id IS NOT ?1 OR email IS NOT ?2 OR phone IS NOT ?3 OR line_id IS NOT ?4)`,
    );
    for (const u of users) {
      updateProfile.run(json(u.standard), json(u.custom), u.last_interacted_channel, u.updated_at, u.id);
      updateIdentifiers.run(u.external_id, u.email, u.phone, u.line_id, u.id);
    }
  }

  async deleteUser(id: string): Promise<void> {
    this.sql('DELETE FROM events WHERE user_key = ? AND user_id = ?').run(userKey(id), id);
    this.sql('DELETE FROM users WHERE id = ?').run(id);
    await this.campaigns.forgetUser(id);
    await this.journeys.forgetUser(id);
  }

  async insertAliases(rows: Array<UserAlias & { user_id: string }>): Promise<void> {
    const insert = this.sql('INSERT INTO user_aliases (alias_label, alias_name, user_id) VALUES (?, ?, ?)');
    for (const r of rows) insert.run(r.alias_label, r.alias_name, r.user_id);
  }

  async moveUserData(fromId: string, toId: string): Promise<void> {
    this.sql('UPDATE events SET user_id = ?, user_key = ? WHERE user_key = ? AND user_id = ?').run(
      toId,
      userKey(toId),
      userKey(fromId),
      fromId,
    );
    this.sql(
      `UPDATE user_aliases SET user_id = ? WHERE user_id = ?
       AND alias_label NOT IN (SELECT alias_label FROM user_aliases WHERE user_id = ?)`,
    ).run(toId, fromId, toId);
    this.sql(
      `UPDATE user_subscriptions SET user_id = ? WHERE user_id = ?
       AND group_id NOT IN (SELECT group_id FROM user_subscriptions WHERE user_id = ?)`,
    ).run(toId, fromId, toId);
    await this.campaigns.moveUserHistory(fromId, toId);
    await this.journeys.moveUserHistory(fromId, toId);
  }

  async upsertSubscriptions(rows: SubscriptionChange[]): Promise<void> {
    const upsert = this.sql(
      `INSERT INTO user_subscriptions (user_id, group_id, state, changed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, group_id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at`,
    );
    for (const r of rows) upsert.run(r.user_id, r.group_id, r.state, r.changed_at);
  }

  async insertEvents(events: EventRecord[]): Promise<void> {
    const insert = this.sql(
      'INSERT INTO events (id, user_id, user_key, name, time, properties, purchase, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const e of events) {
      insert.run(
        e.id,
        e.user_id,
        userKey(e.user_id),
        e.name,
        e.time,
        json(e.properties),
        e.purchase ? json(e.purchase) : null,
        e.source,
        e.received_at,
      );
    }
  }

  async listEvents(userId: string, options: { limit?: number } = {}): Promise<EventRecord[]> {
    const rows = this.sql(
      'SELECT * FROM events WHERE user_key = ? AND user_id = ? ORDER BY time DESC, id DESC LIMIT ?',
    ).all(userKey(userId), userId, options.limit ?? 100) as Row[];
    return rows.map((r) => ({
      id: String(r.id),
      user_id: String(r.user_id),
      name: String(r.name),
      time: Number(r.time),
      properties: parse<Record<string, Json>>(r.properties),
      purchase: r.purchase === null ? null : parse(r.purchase),
      source: r.source as EventRecord['source'],
      received_at: Number(r.received_at),
    }));
  }

  async getSubscriptionGroup(id: string): Promise<SubscriptionGroup | null> {
    const row = this.sql('SELECT definition FROM subscription_groups WHERE id = ?').get(id) as Row | undefined;
    return row ? parse<SubscriptionGroup>(row.definition) : null;
  }

  async listSubscriptionGroups(): Promise<SubscriptionGroup[]> {
    return (this.sql('SELECT definition FROM subscription_groups ORDER BY id').all() as Row[]).map((r) =>
      parse<SubscriptionGroup>(r.definition),
    );
  }

  async putSubscriptionGroup(group: SubscriptionGroup): Promise<void> {
    this.sql(
      'INSERT INTO subscription_groups (id, definition) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition',
    ).run(group.id, json(group));
  }

  async deleteSubscriptionGroup(id: string): Promise<boolean> {
    return Number(this.sql('DELETE FROM subscription_groups WHERE id = ?').run(id).changes) > 0;
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.sql('SELECT * FROM api_keys WHERE hash = ?').get(hash) as Row | undefined;
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (this.sql('SELECT * FROM api_keys ORDER BY created_at, id').all() as Row[]).map(apiKeyFromRow);
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    this.sql('INSERT INTO api_keys (id, name, hash, permissions, created_at) VALUES (?, ?, ?, ?, ?)').run(
      key.id,
      key.name,
      key.hash,
      json(key.permissions),
      key.created_at,
    );
  }

  async deleteApiKey(id: string): Promise<boolean> {
    return Number(this.sql('DELETE FROM api_keys WHERE id = ?').run(id).changes) > 0;
  }
}

function userFromRow(row: Row): UserRecord {
  return {
    id: String(row.id),
    external_id: row.external_id === null ? null : String(row.external_id),
    email: row.email === null ? null : String(row.email),
    phone: row.phone === null ? null : String(row.phone),
    line_id: row.line_id === null ? null : String(row.line_id),
    standard: parse(row.standard),
    custom: parse(row.custom),
    last_interacted_channel: row.last_interacted_channel === null ? null : String(row.last_interacted_channel),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    aliases: [],
    subscriptions: {},
  };
}

function apiKeyFromRow(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    hash: String(row.hash),
    permissions: parse<string[]>(row.permissions),
    created_at: Number(row.created_at),
  };
}
