import { Pool, types, type CustomTypesConfig, type PoolClient, type QueryConfig } from 'pg';
import type { MigrationReport, Store, StoreReader, StoreTx } from '../store.ts';
import { DEFAULT_STORE_TIMEOUT_MS, storeTimedOut, withDeadline } from '../store-deadline.ts';
import { postgresFault } from '../store-faults.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { PostgresTx } from './postgres-tx.ts';

export interface PostgresStoreOptions {
  /** Schema every connection works in (created by `migrate()` when missing). Default: the server's search_path. */
  schema?: string;
  /** Connections in the pool (default 20). */
  poolSize?: number;
  /**
   * The `application_name` of its connections (default `tidings`; one given in the URL wins), by
   * which an operator, or a test, tells them apart in `pg_stat_activity`.
   */
  applicationName?: string;
  /**
   * The deadline of every unit of work, in ms (default 5,000; `TIDINGS_STORE_TIMEOUT_MS`): the
   * connection, each statement (on both ends: `statement_timeout` and the client's read timeout)
   * and the unit as a whole. Past it, the caller gets `store_unavailable`; migrations have none.
   */
  timeoutMs?: number;
}

/** Migrations may rewrite large tables: they wait this long for a statement. */
const MIGRATION_STATEMENT_TIMEOUT_MS = 60 * 60_000;

const INT8_OID = 20;

/**
 * This pool's type parsers (the global `pg.types` stay untouched): BIGINT columns hold epoch
 * milliseconds and counts, which fit in a double, so they come back as numbers. JSON/JSONB are parsed
 * by pg's defaults.
 */
const TYPE_PARSERS: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return types.getTypeParser(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};

/** PostgreSQL errors after which the whole unit of work is run again. */
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23505', // unique_violation: two requests created the same user at once; the re-run finds it
]);
const MAX_ATTEMPTS = 5;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const quoteIdent = (name: string): string => `"${name}"`;

const errorCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The server store: a `pg` pool. Units of work run READ COMMITTED on one connection each;
 * `loadUsers` locks the profiles it returns, so concurrent read-modify-write of a profile is
 * serialised by the database, and conflicting units of work are retried from the start.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private readonly schema: string | undefined;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`invalid PostgreSQL schema name '${options.schema}' (letters, digits and _ only)`);
    }
    this.schema = options.schema;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.pool = new Pool({
      connectionString: url,
      max: options.poolSize ?? 20,
      types: TYPE_PARSERS,
      // Lets a transaction send BEGIN without waiting for its answer (see PostgresTx). Every other
      // statement waits for the one before, so that is all that is pipelined.
      pipeline: true,
      application_name: options.applicationName ?? 'tidings',
      // Also covers the wait for a free connection of the pool.
      connectionTimeoutMillis: this.timeoutMs,
      // A statement the client stops waiting for is cancelled by the server too, so that it does
      // not go on holding its locks.
      statement_timeout: this.timeoutMs,
      // On a pipelined connection pg destroys the socket when it fires: the pool then drops it.
      query_timeout: this.timeoutMs,
      ...(this.schema === undefined ? {} : { options: `-c search_path=${quoteIdent(this.schema)}` }),
    });
    // An idle connection that dies (server restart, network) must not crash the process; the pool
    // drops it and the next checkout opens a new one.
    this.pool.on('error', () => {});
    // pg-pool listens for a connection's 'error' only while it is idle, and an 'error' nobody
    // listens for ends the process: a backend terminated under a pipelined query, or its FATAL
    // message parsed in the same chunk as the answer that handed the connection to the next unit,
    // before that unit could listen. So every connection is listened to for its whole life, from
    // the moment the pool has it; `Checkout.lost` reads what it heard.
    this.pool.on('connect', (client) => {
      client.on('error', (error: Error) => {
        if (!this.lostConnections.has(client)) this.lostConnections.set(client, error);
      });
    });
  }

  /** Connections that broke, with the error they broke by (pool clients are never reused after). */
  private readonly lostConnections = new WeakMap<object, Error>();

  /**
   * A connection of the pool for one unit of work. Its queries fail on their own when it breaks;
   * `lost` then says so, and `release` drops it from the pool.
   */
  private async checkout(unit?: Unit): Promise<Checkout> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw postgresFault(error, false) ?? error;
    }
    const lostBy = () => this.lostConnections.get(client);
    if (unit?.abandoned) {
      client.release(lostBy());
      throw storeTimedOut(this.timeoutMs);
    }
    let released = false;
    const connection: Checkout = {
      client,
      lost: () => lostBy() !== undefined,
      release(broken) {
        if (released) return;
        released = true;
        client.release(broken ?? lostBy());
      },
    };
    if (unit) unit.connection = connection;
    return connection;
  }

  /**
   * Runs a unit of work within the store's deadline. Past it the caller gets `store_unavailable`
   * and the unit's connection is dropped from the pool, so that nothing the unit still sends on it
   * runs (a COMMIT already sent may still commit: the caller cannot know, as with a lost connection).
   */
  private withinDeadline<T>(run: (unit: Unit) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const unit: Unit = { abandoned: false, connection: undefined };
    return withDeadline(timeoutMs, run(unit), () => {
      unit.abandoned = true;
      unit.connection?.release(new Error(`the store deadline of ${timeoutMs} ms passed`));
    });
  }

  /** A driver error as the caller should see it: a store fault becomes a TidingsError (store-faults.ts). */
  private fault(error: unknown, connection?: Checkout): unknown {
    return postgresFault(error, connection?.lost() ?? false) ?? error;
  }

  async migrate(): Promise<MigrationReport> {
    const connection = await this.checkout();
    const { client } = connection;
    let broken: Error | undefined;
    // pg reads a statement's own `query_timeout` (its types know it only on the client config).
    const query = (text: string, values?: unknown[]) =>
      client.query({ text, values, query_timeout: MIGRATION_STATEMENT_TIMEOUT_MS } as QueryConfig);
    try {
      // Several processes may start at once: each step runs under the same transaction-scoped lock.
      const lockKey = `tidings:migrate:${this.schema ?? ''}`;
      const locked = async <T>(step: () => Promise<T>): Promise<T> => {
        await query('BEGIN');
        try {
          await query(`SET LOCAL statement_timeout = ${MIGRATION_STATEMENT_TIMEOUT_MS}`);
          await query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
          const result = await step();
          await query('COMMIT');
          return result;
        } catch (error) {
          broken = await rollback(client);
          throw error;
        }
      };
      await locked(async () => {
        if (this.schema !== undefined) await query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
        await query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        );
      });
      const applied: string[] = [];
      for (const migration of POSTGRES_MIGRATIONS) {
        const done = await locked(async () => {
          const { rowCount } = await query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
          if (rowCount) return true;
          await query(migration.sql);
          await query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          return false;
        });
        if (!done) applied.push(`${migration.version} ${migration.name}`);
      }
      return { applied, current: POSTGRES_MIGRATIONS.at(-1)?.version ?? 0 };
    } catch (error) {
      throw this.fault(error, connection);
    } finally {
      connection.release(broken);
    }
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.withinDeadline((unit) => this.runTransaction(unit, work));
  }

  private async runTransaction<T>(unit: Unit, work: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const connection = await this.checkout(unit);
      let broken: Error | undefined;
      try {
        const tx = PostgresTx.begin(connection.client);
        const result = await work(tx);
        await tx.commit();
        return result;
      } catch (error) {
        broken = connection.lost() ? undefined : await rollback(connection.client);
        // A lost connection is not retried: COMMIT may have reached the server before it broke.
        if (attempt >= MAX_ATTEMPTS || connection.lost() || !RETRYABLE.has(errorCode(error) as string))
          throw this.fault(error, connection);
      } finally {
        connection.release(broken);
      }
      // The connection is back in the pool while we wait; jitter keeps the racers from meeting again.
      await sleep(Math.random() * 5 * attempt);
    }
  }

  read<T>(work: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.withinDeadline(async (unit) => {
      const connection = await this.checkout(unit);
      try {
        return await work(PostgresTx.reader(connection.client));
      } catch (error) {
        throw this.fault(error, connection);
      } finally {
        connection.release();
      }
    });
  }

  async ping(): Promise<void> {
    await this.withinDeadline(async (unit) => {
      const connection = await this.checkout(unit);
      try {
        await PostgresTx.reader(connection.client).ping();
      } catch (error) {
        throw this.fault(error, connection);
      } finally {
        connection.release();
      }
    });
  }

  /**
   * Commits a write that leaves nothing behind: a settings row inserted and deleted in one
   * transaction (no reader ever sees it). A standby refuses it (read-only), a full WAL disk fails
   * its commit; a data disk that fills up is seen by the first write that needs a new page.
   */
  probeWrite(timeoutMs: number): Promise<void> {
    return this.withinDeadline(
      async (unit) => {
        const connection = await this.checkout(unit);
        let broken: Error | undefined;
        try {
          const tx = PostgresTx.begin(connection.client);
          await tx.probeWrite();
          await tx.commit();
        } catch (error) {
          broken = connection.lost() ? undefined : await rollback(connection.client);
          throw this.fault(error, connection);
        } finally {
          connection.release(broken);
        }
      },
      Math.min(timeoutMs, this.timeoutMs),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** One call of the store against its deadline: once abandoned, it takes no new connection. */
interface Unit {
  abandoned: boolean;
  /** The connection it holds, dropped when the deadline passes. */
  connection: Checkout | undefined;
}

/** A pooled connection while a unit of work holds it. */
interface Checkout {
  client: PoolClient;
  /** Whether the connection broke while it was out. */
  lost(): boolean;
  /** Gives it back (once; later calls do nothing), dropping it when it broke or `broken` is given. */
  release(broken?: Error): void;
}

/** Rolls back; returns the error when the connection is unusable, so that it is dropped on release. */
async function rollback(client: PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
