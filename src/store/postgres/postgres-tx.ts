import type { PoolClient } from 'pg';
import type { EventRecord } from '../../core/event.ts';
import type { UserKeys } from '../../core/identifiers.ts';
import type { UserAlias, UserRecord } from '../../core/user.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { SubscriptionGroup } from '../../schemas/subscription-group.ts';
import { CampaignSql } from '../sql/campaign-sql.ts';
import { DefinitionVersionsSql } from '../sql/definition-versions-sql.ts';
import { IdempotencySql } from '../sql/idempotency-sql.ts';
import { JourneySql } from '../sql/journey-sql.ts';
import type { SqlRunner } from '../sql/sql-runner.ts';
import type { StoreTx } from '../store.ts';
import type { ApiKeyRecord } from '../../core/api-key.ts';
import type { SubscriptionChange } from '../../core/subscription-change.ts';
import { WRITE_PROBE_KEY, WRITE_PROBE_VALUE } from '../write-probe.ts';
import {
  API_KEY_COLUMNS,
  EVENT_COLUMNS,
  USER_COLUMNS,
  apiKeyFromRow,
  eventFromRow,
  json,
  jsonRecords,
  userColumnsOf,
  userFromRow,
  type Row,
} from './rows.ts';

/** Keeps the last entry per key, in the order of last occurrence (what row-by-row upserts would leave). */
function lastPerKey<T>(items: T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    byKey.delete(k);
    byKey.set(k, item);
  }
  return [...byKey.values()];
}

/** The columns `insertUsers` and `updateUsers` write, as read by `json_to_recordset`. */
const PROFILE_RECORD = `external_id text, email text, phone text, line_id text, standard jsonb, custom jsonb, last_interacted_channel text`;

/** A profile without its aliases and subscriptions (which live in their own tables), for `jsonRecords`. */
const profileRecord = (u: UserRecord) => ({
  id: u.id,
  external_id: u.external_id,
  email: u.email,
  phone: u.phone,
  line_id: u.line_id,
  standard: u.standard,
  custom: u.custom,
  last_interacted_channel: u.last_interacted_channel,
  created_at: u.created_at,
  updated_at: u.updated_at,
});

/**
 * Prepared-statement names by statement text. The texts form a small fixed set: values are always
 * parameters, and `loadUsers` builds one text per combination of key kinds.
 */
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tidings_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/** The condition on `users u` that `loadUsers` selects by (any key matches), with its parameters. */
function userKeyCondition(keys: UserKeys): { condition: string; values: unknown[] } | null {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const byColumn: Array<[string, string[]]> = [
    ['id', keys.ids],
    ['external_id', keys.externalIds],
    ['email', keys.emails],
    ['phone', keys.phones],
    ['line_id', keys.lineIds],
  ];
  for (const [column, list] of byColumn) {
    if (list.length === 0) continue;
    values.push(list);
    conditions.push(`u.${column} = ANY($${values.length}::text[])`);
  }
  if (keys.aliases.length > 0) {
    values.push(
      keys.aliases.map((a) => a.alias_label),
      keys.aliases.map((a) => a.alias_name),
    );
    // `id = ANY(ARRAY(…))` rather than `id IN (…)`: it is an index condition, so OR-ed with the others
    // the users are still found by index scans. `unnest` (not json_to_recordset, which the planner
    // takes for 100 rows) keeps the alias lookup on the primary key instead of a hash join over the table.
    conditions.push(
      `u.id = ANY(ARRAY(SELECT a.user_id FROM user_aliases a
         JOIN unnest($${values.length - 1}::text[], $${values.length}::text[]) AS k (alias_label, alias_name)
           ON a.alias_label = k.alias_label AND a.alias_name = k.alias_name))`,
    );
  }
  return conditions.length === 0 ? null : { condition: conditions.join(' OR '), values };
}

/**
 * What `loadUsers` locks in a transaction besides the profiles it finds: the identifiers that can
 * create a profile and have no unique index (several profiles may share an email, a phone or a
 * LINE id), as text naming their kind. Without these, 20 requests creating one email at once all
 * found nothing and made 20 profiles. External ids and aliases need none: their unique index
 * makes the loser of such a race fail, and `transaction()` runs it again, to find the winner.
 */
function identifierLockKeys(keys: UserKeys): string[] {
  return [
    ...keys.emails.map((v) => `email:${v}`),
    ...keys.phones.map((v) => `phone:${v}`),
    ...keys.lineIds.map((v) => `line_id:${v}`),
  ];
}

/**
 * The work of one transaction (or one read) on one pooled connection. Every statement is a named
 * prepared statement (parsed and planned once per connection), and multi-row writes are single
 * statements over `json_to_recordset` of one JSON parameter, so a batch costs one round trip.
 */
export class PostgresTx implements StoreTx {
  private readonly client: PoolClient;
  /** Inside a transaction: `loadUsers` locks the rows it returns (`FOR UPDATE`). */
  private readonly locking: boolean;
  /**
   * BEGIN's answer. BEGIN is sent without waiting for it (the pool's connections are in pipeline
   * mode), so it reaches the server together with the first statement. Outside a transaction: none.
   */
  private readonly begun: Promise<unknown>;

  readonly campaigns: CampaignSql;
  readonly idempotency: IdempotencySql;
  readonly definitionVersions: DefinitionVersionsSql;
  readonly journeys: JourneySql;

  private constructor(client: PoolClient, inTransaction: boolean) {
    this.client = client;
    const runner: SqlRunner = {
      dialect: 'postgres',
      rows: (text, values) => this.rows(text, values),
      changes: (text, values) => this.changes(text, values),
    };
    this.campaigns = new CampaignSql(runner);
    this.idempotency = new IdempotencySql(runner);
    this.definitionVersions = new DefinitionVersionsSql(runner);
    this.journeys = new JourneySql(runner, { locking: inTransaction });
    this.locking = inTransaction;
    this.begun = inTransaction ? client.query('BEGIN ISOLATION LEVEL READ COMMITTED') : Promise.resolve();
    this.begun.catch(() => {}); // thrown by the next statement or by `commit()`
  }

  /** Starts a transaction on `client`. */
  static begin(client: PoolClient): PostgresTx {
    return new PostgresTx(client, true);
  }

  /** Reads on `client`, outside a transaction. */
  static reader(client: PoolClient): PostgresTx {
    return new PostgresTx(client, false);
  }

  async commit(): Promise<void> {
    await this.begun;
    await this.client.query('COMMIT');
  }

  /** A read may go out before BEGIN is answered: should BEGIN fail, it ran outside the transaction, which harms nothing. */
  private async rows(text: string, values: unknown[] = []): Promise<Row[]> {
    const [, result] = await Promise.all([
      this.begun,
      this.client.query<Row>({ name: statementName(text), text, values }),
    ]);
    return result.rows;
  }

  /** A write waits for BEGIN's answer, so that it never runs outside the transaction. */
  private async changes(text: string, values: unknown[] = []): Promise<number> {
    await this.begun;
    return (await this.client.query({ name: statementName(text), text, values })).rowCount ?? 0;
  }

  /** A round trip to the server. */
  async ping(): Promise<void> {
    await this.rows('SELECT 1');
  }

  /** A write that leaves nothing behind once the transaction commits (write-probe.ts). */
  async probeWrite(): Promise<void> {
    await this.changes('INSERT INTO settings (key, value) VALUES ($1, $2::jsonb)', [
      WRITE_PROBE_KEY,
      WRITE_PROBE_VALUE,
    ]);
    await this.changes('DELETE FROM settings WHERE key = $1', [WRITE_PROBE_KEY]);
  }

  async getSettings(): Promise<Partial<Settings>> {
    const rows = await this.rows('SELECT key, value FROM settings');
    return Object.fromEntries(rows.map((r) => [r.key, r.value])) as Partial<Settings>;
  }

  async putSettings(settings: Partial<Settings>): Promise<void> {
    const entries = Object.entries(settings).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await this.changes(
      // json_each keeps a JSON null a JSON null (json_to_recordset would make it SQL NULL).
      `INSERT INTO settings (key, value) SELECT key, value::jsonb FROM json_each($1::json)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [json(Object.fromEntries(entries))],
    );
  }

  async loadUsers(keys: UserKeys): Promise<UserRecord[]> {
    const match = userKeyCondition(keys);
    if (match === null) return [];
    // Locks are taken in id order, which keeps concurrent requests from deadlocking in the common case
    // (a deadlock that still happens is retried by `transaction()`).
    const lock = this.locking ? ' ORDER BY u.id FOR UPDATE OF u' : '';
    // In a transaction the identifiers are locked first: `FOR UPDATE` cannot lock a profile that
    // does not exist yet. Both statements go out at once (pipeline) and run in turn: the SELECT
    // starts, and takes its snapshot, once the locks are held, so it sees the profile created by
    // the transaction it waited for.
    const identifiers = this.locking ? identifierLockKeys(keys) : [];
    const locked =
      identifiers.length === 0
        ? null
        : this.rows(
            // Sorted, so that two requests naming the same identifiers take them in the same order.
            `SELECT pg_advisory_xact_lock(k) FROM (
               SELECT DISTINCT hashtextextended(current_schema() || ':' || x, 0) AS k FROM unnest($1::text[]) AS x
             ) AS keys ORDER BY k`,
            [identifiers],
          );
    const selected = this.rows(
      `SELECT ${userColumnsOf('u')} FROM users u WHERE ${match.condition}${lock}`,
      match.values,
    );
    const [found] = await Promise.all([selected, locked]);
    if (found.length === 0) return [];
    const users = new Map(found.map((row) => [String(row.id), userFromRow(row)]));
    // Not folded into the statement above: once the locks are held, a new statement reads with a new
    // snapshot (READ COMMITTED), so it sees what the transactions we waited for committed.
    await this.attachAliasesAndSubscriptions(users);
    return [...users.values()];
  }

  /** Fills in the aliases and subscriptions of loaded users, both tables in one statement. */
  private async attachAliasesAndSubscriptions(users: Map<string, UserRecord>): Promise<void> {
    const rows = await this.rows(
      `SELECT 'alias' AS kind, user_id, alias_label AS key, alias_name AS value, NULL::bigint AS changed_at
         FROM user_aliases WHERE user_id = ANY($1::text[])
       UNION ALL
       SELECT 'subscription', user_id, group_id, state, changed_at
         FROM user_subscriptions WHERE user_id = ANY($1::text[])
       ORDER BY key, value`,
      [[...users.keys()]],
    );
    for (const row of rows) {
      const user = users.get(String(row.user_id))!;
      if (row.kind === 'alias') {
        user.aliases.push({ alias_label: String(row.key), alias_name: String(row.value) });
      } else {
        user.subscriptions[String(row.key)] = {
          state: row.value as SubscriptionChange['state'],
          changed_at: Number(row.changed_at),
        };
      }
    }
  }

  async countUsers(): Promise<number> {
    const [row] = await this.rows('SELECT count(*) AS n FROM users');
    return Number(row?.n ?? 0);
  }

  async userIdsAfter(afterId: string | null, limit: number): Promise<string[]> {
    const rows = await this.rows('SELECT id FROM users WHERE id > $1 ORDER BY id LIMIT $2', [afterId ?? '', limit]);
    return rows.map((r) => String(r.id));
  }

  async insertUsers(users: UserRecord[]): Promise<void> {
    if (users.length === 0) return;
    await this.changes(
      `INSERT INTO users (${USER_COLUMNS})
       SELECT ${USER_COLUMNS} FROM json_to_recordset($1::json)
         AS r (id text, ${PROFILE_RECORD}, created_at bigint, updated_at bigint)`,
      [jsonRecords(users.map(profileRecord))],
    );
  }

  async updateUsers(users: UserRecord[]): Promise<void> {
    if (users.length === 0) return;
    await this.changes(
      `UPDATE users AS u SET external_id = v.external_id, email = v.email, phone = v.phone, line_id = v.line_id,
         standard = v.standard, custom = v.custom, last_interacted_channel = v.last_interacted_channel, updated_at = v.updated_at
       FROM json_to_recordset($1::json) AS v (id text, ${PROFILE_RECORD}, updated_at bigint)
       WHERE u.id = v.id`,
      // One row per id: an UPDATE … FROM applies only one of several matches, row-by-row applies the last.
      [jsonRecords(lastPerKey(users, (u) => u.id).map(profileRecord))],
    );
  }

  async deleteUser(id: string): Promise<void> {
    await this.changes('DELETE FROM events WHERE user_id = $1', [id]);
    // Aliases and subscriptions go with the user (ON DELETE CASCADE).
    await this.changes('DELETE FROM users WHERE id = $1', [id]);
    await this.campaigns.forgetUser(id);
    await this.journeys.forgetUser(id);
  }

  async insertAliases(rows: Array<UserAlias & { user_id: string }>): Promise<void> {
    if (rows.length === 0) return;
    await this.changes(
      `INSERT INTO user_aliases (alias_label, alias_name, user_id)
       SELECT alias_label, alias_name, user_id FROM json_to_recordset($1::json) AS r (alias_label text, alias_name text, user_id text)`,
      [jsonRecords(rows)],
    );
  }

  async moveUserData(fromId: string, toId: string): Promise<void> {
    await this.changes('UPDATE events SET user_id = $1 WHERE user_id = $2', [toId, fromId]);
    await this.changes(
      `UPDATE user_aliases SET user_id = $1 WHERE user_id = $2
       AND alias_label NOT IN (SELECT alias_label FROM user_aliases WHERE user_id = $1)`,
      [toId, fromId],
    );
    await this.changes(
      `UPDATE user_subscriptions SET user_id = $1 WHERE user_id = $2
       AND group_id NOT IN (SELECT group_id FROM user_subscriptions WHERE user_id = $1)`,
      [toId, fromId],
    );
    await this.campaigns.moveUserHistory(fromId, toId);
    await this.journeys.moveUserHistory(fromId, toId);
  }

  async upsertSubscriptions(rows: SubscriptionChange[]): Promise<void> {
    if (rows.length === 0) return;
    await this.changes(
      `INSERT INTO user_subscriptions (user_id, group_id, state, changed_at)
       SELECT user_id, group_id, state, changed_at FROM json_to_recordset($1::json)
         AS r (user_id text, group_id text, state text, changed_at bigint)
       ON CONFLICT (user_id, group_id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at`,
      // ON CONFLICT DO UPDATE may not touch a row twice in one statement: the last change wins.
      [jsonRecords(lastPerKey(rows, (r) => `${r.user_id}\u0000${r.group_id}`))],
    );
  }

  async insertEvents(events: EventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.changes(
      `INSERT INTO events (${EVENT_COLUMNS})
       SELECT ${EVENT_COLUMNS} FROM json_to_recordset($1::json)
         AS r (id text, user_id text, name text, time bigint, properties jsonb, purchase jsonb, source text, received_at bigint)`,
      // An EventRecord has exactly the columns; a null purchase becomes SQL NULL.
      [jsonRecords(events)],
    );
  }

  async listEvents(userId: string, options: { limit?: number } = {}): Promise<EventRecord[]> {
    const rows = await this.rows(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE user_id = $1 ORDER BY time DESC, id COLLATE "C" DESC LIMIT $2`,
      [userId, options.limit ?? 100],
    );
    return rows.map(eventFromRow);
  }

  async getSubscriptionGroup(id: string): Promise<SubscriptionGroup | null> {
    const [row] = await this.rows('SELECT definition FROM subscription_groups WHERE id = $1', [id]);
    return row ? (row.definition as SubscriptionGroup) : null;
  }

  async listSubscriptionGroups(): Promise<SubscriptionGroup[]> {
    const rows = await this.rows('SELECT definition FROM subscription_groups ORDER BY id COLLATE "C"');
    return rows.map((r) => r.definition as SubscriptionGroup);
  }

  async putSubscriptionGroup(group: SubscriptionGroup): Promise<void> {
    await this.changes(
      'INSERT INTO subscription_groups (id, definition) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition',
      [group.id, json(group)],
    );
  }

  async deleteSubscriptionGroup(id: string): Promise<boolean> {
    return (await this.changes('DELETE FROM subscription_groups WHERE id = $1', [id])) > 0;
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.rows(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE hash = $1`, [hash]);
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.rows(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id COLLATE "C"`);
    return rows.map(apiKeyFromRow);
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.changes(`INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5)`, [
      key.id,
      key.name,
      key.hash,
      json(key.permissions),
      key.created_at,
    ]);
  }

  async deleteApiKey(id: string): Promise<boolean> {
    return (await this.changes('DELETE FROM api_keys WHERE id = $1', [id])) > 0;
  }
}
