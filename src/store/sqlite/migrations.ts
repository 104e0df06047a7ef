import {
  broadcastTablesV1,
  campaignTablesV1,
  campaignTablesV2,
  inboundTablesV1,
  messageLogIndexesV1,
  messageProviderIndexV1,
} from '../sql/campaign-schema.ts';
import { definitionVersionsTablesV1 } from '../sql/definition-versions-sql.ts';
import { idempotencyTablesV1 } from '../sql/idempotency-sql.ts';
import { journeyTablesV1 } from '../sql/journey-sql.ts';

/** Versioned schema of the embedded store. Append new versions; never edit an applied one. */
export const SQLITE_MIGRATIONS: Array<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'users, aliases, events, subscriptions, settings, api keys',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        external_id TEXT UNIQUE,
        email TEXT,
        phone TEXT,
        line_id TEXT,
        standard TEXT NOT NULL,
        custom TEXT NOT NULL,
        last_interacted_channel TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX users_email ON users (email) WHERE email IS NOT NULL;
      CREATE INDEX users_phone ON users (phone) WHERE phone IS NOT NULL;
      CREATE INDEX users_line_id ON users (line_id) WHERE line_id IS NOT NULL;
      CREATE TABLE user_aliases (
        alias_label TEXT NOT NULL,
        alias_name TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        PRIMARY KEY (alias_label, alias_name),
        UNIQUE (user_id, alias_label)
      );
      CREATE TABLE subscription_groups (
        id TEXT PRIMARY KEY,
        definition TEXT NOT NULL
      );
      CREATE TABLE user_subscriptions (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        group_id TEXT NOT NULL,
        state TEXT NOT NULL,
        changed_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, group_id)
      );
      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        time INTEGER NOT NULL,
        properties TEXT NOT NULL,
        purchase TEXT,
        source TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE INDEX events_user_time ON events (user_id, time);
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        permissions TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'events indexed by an integer user key',
    // tidings_user_key is registered on the connection by SqliteStore (user-key.ts).
    sql: `
      ALTER TABLE events ADD COLUMN user_key INTEGER NOT NULL DEFAULT 0;
      UPDATE events SET user_key = tidings_user_key(user_id);
      DROP INDEX events_user_time;
      CREATE INDEX events_user_key_time ON events (user_key, time);
    `,
  },
  {
    version: 3,
    name: 'campaign engine: definitions, journey entries, receipts, timeline, messages, sandbox',
    sql: campaignTablesV1({ json: 'TEXT', millis: 'INTEGER' }),
  },
  {
    version: 4,
    name: 'an index per message state',
    sql: campaignTablesV2(),
  },
  {
    version: 5,
    name: 'inbound webhook events seen',
    sql: inboundTablesV1({ millis: 'INTEGER' }),
  },
  {
    version: 6,
    name: 'messages by provider id',
    sql: messageProviderIndexV1(),
  },
  {
    version: 7,
    name: 'broadcasts decided page by page',
    sql: broadcastTablesV1({ json: 'TEXT', millis: 'INTEGER' }),
  },
  {
    version: 8,
    name: 'the message log paged by (created_at, id)',
    sql: messageLogIndexesV1(),
  },
  {
    version: 9,
    name: 'idempotency keys of the Braze-compatible write endpoints',
    sql: idempotencyTablesV1({ millis: 'INTEGER' }),
  },
  {
    version: 10,
    name: 'immutable versions of definitions (canvases)',
    sql: definitionVersionsTablesV1({ json: 'TEXT', millis: 'INTEGER' }),
  },
  {
    version: 11,
    name: 'journey instances',
    sql: journeyTablesV1({ json: 'TEXT', millis: 'INTEGER' }),
  },
];
