import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';

/**
 * PostgreSQL for tests: every test store lives in its own throw-away schema, so test files (and
 * concurrent runs against the same database) never see each other's rows.
 */

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** `CI` set to anything but `0` or `false`: the PostgreSQL tests must run (`.ci/run` sets it). */
export const inCi = Boolean(process.env.CI) && !['0', 'false'].includes(process.env.CI!.toLowerCase());

/** `TIDINGS_TEST_DATABASE_URL`, or the local default. */
export function postgresTestUrl(): string {
  return process.env.TIDINGS_TEST_DATABASE_URL || DEFAULT_URL;
}

/** The URL with any password masked, for messages. */
export function describePostgresUrl(url = postgresTestUrl()): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const reachability = new Map<string, Promise<boolean>>();

/** Whether PostgreSQL answers at `url` (checked once per URL and process). */
export function isPostgresReachable(url = postgresTestUrl()): Promise<boolean> {
  let answer = reachability.get(url);
  if (!answer) {
    answer = (async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => {});
      }
    })();
    reachability.set(url, answer);
  }
  return answer;
}

/** A fresh schema name, `t_<16 hex>`. */
export function tempSchemaName(): string {
  return `t_${randomBytes(8).toString('hex')}`;
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string, url = postgresTestUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Runs `work` with a fresh schema name and drops the schema afterwards (whatever `work` did).
 * The schema itself is not created here: `PostgresStore.migrate()` creates it.
 */
export async function withTempSchema<T>(work: (schema: string) => Promise<T>, url = postgresTestUrl()): Promise<T> {
  const schema = tempSchemaName();
  try {
    return await work(schema);
  } finally {
    await dropSchema(schema, url);
  }
}

export interface TestPostgresStore {
  store: PostgresStore;
  schema: string;
  cleanup: () => Promise<void>;
}

/**
 * A `PostgresStore` in its own new schema, migrated unless `migrate: false`. `cleanup()` closes the
 * store and drops the schema.
 */
export async function openTestPostgresStore(
  options: { migrate?: boolean; poolSize?: number; applicationName?: string } = {},
): Promise<TestPostgresStore> {
  const url = postgresTestUrl();
  const schema = tempSchemaName();
  const store = new PostgresStore(url, {
    schema,
    poolSize: options.poolSize,
    applicationName: options.applicationName,
  });
  const cleanup = async () => {
    try {
      await store.close();
    } finally {
      await dropSchema(schema, url);
    }
  };
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await cleanup().catch(() => {});
      throw error;
    }
  }
  return { store, schema, cleanup };
}

/** A throw-away database named `{prefix}_<hex>`, and an admin connection to the server it lives on. */
export async function withTempDatabase(
  prefix: string,
  work: (url: URL, name: string, admin: pg.Client) => Promise<void>,
): Promise<void> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresTestUrl() });
  admin.on('error', () => {});
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(postgresTestUrl());
    url.pathname = `/${name}`;
    await work(url, name, admin);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
