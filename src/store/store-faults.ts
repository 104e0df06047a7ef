import { TidingsError } from '../core/errors.ts';

/**
 * What a store error means to a caller. A database that cannot be reached, lost its connection,
 * did not answer in time or refuses writes (a read-only replica after a failover) is
 * `store_unavailable` (503: try again later); a full disk is `store_full` (507). Anything else is
 * left as it is: a constraint violation or a syntax error is a bug in Tidings, and stays a 500.
 * The stores translate at their boundary, so the engine and the routes never see a driver error.
 */

export const STORE_UNAVAILABLE_MESSAGE = 'store unavailable';
export const STORE_FULL_MESSAGE = 'store full';

export function storeUnavailable(reason: string): TidingsError {
  return new TidingsError('store_unavailable', STORE_UNAVAILABLE_MESSAGE, [{ message: reason }]);
}

export function storeFull(reason: string): TidingsError {
  return new TidingsError('store_full', STORE_FULL_MESSAGE, [{ message: reason }]);
}

/** Socket errors of Node: the database cannot be reached or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * `pg` reports a lost or timed-out connection with a plain Error and no code, so these are known
 * by their message (pg 8: client.js, pg-pool).
 */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|Connection terminated unexpectedly|Connection terminated due to connection timeout|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Query read timeout|timeout expired|timeout exceeded when trying to connect|Cannot use a pool after calling end on the pool)$/;

const code = (error: unknown): string | undefined => {
  const value = (error as { code?: unknown } | null)?.code;
  return typeof value === 'string' ? value : undefined;
};

/**
 * The fault a PostgreSQL error stands for, or null when it is not a store fault. SQLSTATE classes:
 * 08 connection exception, 57 operator intervention (57P01 `pg_terminate_backend`, 57P03 the
 * server is starting, 57014 a statement cancelled by `statement_timeout`), 53 insufficient
 * resources (53100 disk full), 58 system error (I/O), 25006 a read-only transaction (a standby).
 * `connectionLost`: the connection the error came from broke meanwhile, whatever the error says.
 */
export function postgresFault(error: unknown, connectionLost = false): TidingsError | null {
  if (error instanceof TidingsError) return null;
  const sqlstate = code(error);
  // Before SQLSTATEs: EPIPE has their shape.
  if (sqlstate !== undefined && NETWORK_CODES.has(sqlstate))
    return storeUnavailable(`the database cannot be reached: ${describe(error)}`);
  if (sqlstate === '53100') return storeFull('the database server has no disk space left (SQLSTATE 53100)');
  if (sqlstate !== undefined && /^[0-9A-Z]{5}$/.test(sqlstate)) {
    if (/^(08|57|53|58)/.test(sqlstate) || sqlstate === '25006')
      return storeUnavailable(`${describe(error)} (SQLSTATE ${sqlstate})`);
    // Any other SQLSTATE is an answer from a working server: not a fault of the store.
    return connectionLost ? storeUnavailable('the connection to the database was lost') : null;
  }
  if (error instanceof Error && PG_CONNECTION_MESSAGES.test(error.message))
    return storeUnavailable(`the connection to the database failed: ${error.message}`);
  return connectionLost ? storeUnavailable('the connection to the database was lost') : null;
}

/** SQLite's primary result codes that are store faults (an extended code carries one in its low byte). */
const SQLITE_FULL = 13;
const SQLITE_UNAVAILABLE = new Map([
  [5, 'the database is locked by another process (SQLITE_BUSY)'],
  [6, 'a table is locked (SQLITE_LOCKED)'],
  [8, 'the database is read-only (SQLITE_READONLY)'],
  [10, 'a disk I/O error (SQLITE_IOERR)'],
  [14, 'the database file cannot be opened (SQLITE_CANTOPEN)'],
  [15, 'a locking protocol error (SQLITE_PROTOCOL)'],
]);

/** The fault a `node:sqlite` error stands for, or null when it is not a store fault. */
export function sqliteFault(error: unknown): TidingsError | null {
  if (error instanceof TidingsError || code(error) !== 'ERR_SQLITE_ERROR') return null;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode !== 'number') return null;
  const primary = errcode & 0xff;
  if (primary === SQLITE_FULL) return storeFull('the database or its disk is full (SQLITE_FULL)');
  const reason = SQLITE_UNAVAILABLE.get(primary);
  return reason === undefined ? null : storeUnavailable(reason);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
