import type { PoolClient } from 'pg';
import type { EventRecord } from '../../core/event.ts';
import type { UserKeys } from '../../core/identifiers.ts';
import type { UserAlias, UserRecord } from '../../core/user.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { SubscriptionGroup } from '../../schemas/subscription-group.ts';
import type { ApiKeyRecord, StoreTx, SubscriptionChange } from '../store.ts';
import {
  API_KEY_COLUMNS,
  EVENT_COLUMNS,
  USER_COLUMNS,
  apiKeyFromRow,
  eventFromRow,
  json,
  jsonOrNull,
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

/** Splits records into one array per column, for `unnest($1::t[], $2::t[], …)` batch statements. */
function columns<T>(items: T[], pick: Array<(item: T) => unknown>): unknown[][] {
  return pick.map((get) => items.map(get));
}

/** The writable profile columns, external_id … last_interacted_channel, in table order. */
const PROFILE_VALUES: Array<(u: UserRecord) => unknown> = [
  (u) => u.external_id,
  (u) => u.email,
  (u) => u.phone,
  (u) => u.line_id,
  (u) => json(u.standard),
  (u) => json(u.custom),
  (u) => u.last_interacted_channel,
];

/**
 * The work of one transaction (or one read) on one pooled connection. Multi-row writes are single
 * statements over `unnest` of one array per column, so a batch costs one round trip.
 */
export class PostgresTx implements StoreTx {
  private readonly client: PoolClient;
  /** Inside `transaction()`: `loadUsers` locks the rows it returns (`FOR UPDATE`). */
  private readonly locking: boolean;

  constructor(client: PoolClient, locking: boolean) {
    this.client = client;
    this.locking = locking;
  }

  private async rows(text: string, values: unknown[] = []): Promise<Row[]> {
    return (await this.client.query<Row>(text, values)).rows;
  }

  private async changes(text: string, values: unknown[] = []): Promise<number> {
    return (await this.client.query(text, values)).rowCount ?? 0;
  }

  async getSettings(): Promise<Partial<Settings>> {
    const rows = await this.rows('SELECT key, value FROM settings');
    return Object.fromEntries(rows.map((r) => [r.key, r.value])) as Partial<Settings>;
  }

  async putSettings(settings: Partial<Settings>): Promise<void> {
    const entries = Object.entries(settings).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await this.changes(
      `INSERT INTO settings (key, value) SELECT * FROM unnest($1::text[], $2::jsonb[])
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      columns(entries, [([key]) => key, ([, value]) => json(value)]),
    );
  }

  async loadUsers(keys: UserKeys): Promise<UserRecord[]> {
    // Locks are taken in id order within each query, which keeps concurrent requests from deadlocking
    // in the common case (a deadlock that still happens is retried by `transaction()`).
    const lock = this.locking ? ' ORDER BY id FOR UPDATE' : '';
    const found = new Map<string, Row>();
    const collect = async (text: string, values: unknown[]) => {
      for (const row of await this.rows(text, values)) found.set(String(row.id), row);
    };
    const byColumn: Array<[string, string[]]> = [
      ['id', keys.ids],
      ['external_id', keys.externalIds],
      ['email', keys.emails],
      ['phone', keys.phones],
      ['line_id', keys.lineIds],
    ];
    for (const [column, values] of byColumn) {
      if (values.length > 0) await collect(`SELECT ${USER_COLUMNS} FROM users WHERE ${column} = ANY($1::text[])${lock}`, [values]);
    }
    if (keys.aliases.length > 0) {
      await collect(
        `SELECT ${userColumnsOf('u')} FROM users u
         JOIN user_aliases a ON a.user_id = u.id
         JOIN unnest($1::text[], $2::text[]) AS k (alias_label, alias_name)
           ON a.alias_label = k.alias_label AND a.alias_name = k.alias_name
         ${this.locking ? 'ORDER BY u.id FOR UPDATE OF u' : ''}`,
        columns(keys.aliases, [(a) => a.alias_label, (a) => a.alias_name]),
      );
    }
    if (found.size === 0) return [];

    const users = new Map([...found.values()].map((row) => [String(row.id), userFromRow(row)]));
    const ids = [...users.keys()];
    const aliases = await this.rows(
      'SELECT user_id, alias_label, alias_name FROM user_aliases WHERE user_id = ANY($1::text[]) ORDER BY user_id, alias_label, alias_name',
      [ids],
    );
    const subscriptions = await this.rows(
      'SELECT user_id, group_id, state, changed_at FROM user_subscriptions WHERE user_id = ANY($1::text[]) ORDER BY user_id, group_id',
      [ids],
    );
    for (const a of aliases) users.get(String(a.user_id))!.aliases.push({ alias_label: String(a.alias_label), alias_name: String(a.alias_name) });
    for (const s of subscriptions) {
      users.get(String(s.user_id))!.subscriptions[String(s.group_id)] = {
        state: s.state as SubscriptionChange['state'],
        changed_at: Number(s.changed_at),
      };
    }
    return [...users.values()];
  }

  async countUsers(): Promise<number> {
    const [row] = await this.rows('SELECT count(*) AS n FROM users');
    return Number(row.n);
  }

  async insertUsers(users: UserRecord[]): Promise<void> {
    if (users.length === 0) return;
    await this.changes(
      `INSERT INTO users (${USER_COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[], $9::bigint[], $10::bigint[])`,
      columns(users, [(u) => u.id, ...PROFILE_VALUES, (u) => u.created_at, (u) => u.updated_at]),
    );
  }

  async updateUsers(users: UserRecord[]): Promise<void> {
    if (users.length === 0) return;
    await this.changes(
      `UPDATE users AS u SET external_id = v.external_id, email = v.email, phone = v.phone, line_id = v.line_id,
         standard = v.standard, custom = v.custom, last_interacted_channel = v.last_interacted_channel, updated_at = v.updated_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[], $9::bigint[])
         AS v (id, external_id, email, phone, line_id, standard, custom, last_interacted_channel, updated_at)
       WHERE u.id = v.id`,
      // One row per id: an UPDATE … FROM applies only one of several matches, row-by-row applies the last.
      columns(lastPerKey(users, (u) => u.id), [(u) => u.id, ...PROFILE_VALUES, (u) => u.updated_at]),
    );
  }

  async deleteUser(id: string): Promise<void> {
    await this.changes('DELETE FROM events WHERE user_id = $1', [id]);
    // Aliases and subscriptions go with the user (ON DELETE CASCADE).
    await this.changes('DELETE FROM users WHERE id = $1', [id]);
  }

  async insertAliases(rows: Array<UserAlias & { user_id: string }>): Promise<void> {
    if (rows.length === 0) return;
    await this.changes(
      'INSERT INTO user_aliases (alias_label, alias_name, user_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
      columns(rows, [(r) => r.alias_label, (r) => r.alias_name, (r) => r.user_id]),
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
  }

  async upsertSubscriptions(rows: SubscriptionChange[]): Promise<void> {
    if (rows.length === 0) return;
    await this.changes(
      `INSERT INTO user_subscriptions (user_id, group_id, state, changed_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       ON CONFLICT (user_id, group_id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at`,
      // ON CONFLICT DO UPDATE may not touch a row twice in one statement: the last change wins.
      columns(lastPerKey(rows, (r) => `${r.user_id}\u0000${r.group_id}`), [(r) => r.user_id, (r) => r.group_id, (r) => r.state, (r) => r.changed_at]),
    );
  }

  async insertEvents(events: EventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.changes(
      `INSERT INTO events (${EVENT_COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::jsonb[], $6::jsonb[], $7::text[], $8::bigint[])`,
      columns(events, [
        (e) => e.id,
        (e) => e.user_id,
        (e) => e.name,
        (e) => e.time,
        (e) => json(e.properties),
        (e) => jsonOrNull(e.purchase),
        (e) => e.source,
        (e) => e.received_at,
      ]),
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
    await this.changes(
      `INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5)`,
      [key.id, key.name, key.hash, json(key.permissions), key.created_at],
    );
  }

  async deleteApiKey(id: string): Promise<boolean> {
    return (await this.changes('DELETE FROM api_keys WHERE id = $1', [id])) > 0;
  }
}
