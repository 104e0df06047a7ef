import { describe, expect, test } from 'vitest';
import { TidingsError } from '../../src/core/errors.ts';
import { DEFAULT_STORE_TIMEOUT_MS, parseStoreTimeoutMs } from '../../src/store/store-deadline.ts';
import { postgresFault, sqliteFault } from '../../src/store/store-faults.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/** A driver error as pg shapes it: an Error with a string `code`. */
const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('postgresFault', () => {
  test.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['57014', 'canceling statement due to statement timeout'],
    ['08006', 'connection failure'],
    ['53300', 'sorry, too many clients already'],
    ['25006', 'cannot execute INSERT in a read-only transaction'],
    ['58030', 'could not write to file'],
  ])('SQLSTATE %s is store_unavailable', (sqlstate, message) => {
    const fault = postgresFault(pgError(message, sqlstate));
    expect(fault).toBeInstanceOf(TidingsError);
    expect(fault?.code).toBe('store_unavailable');
    expect(fault?.message).toBe('store unavailable');
    expect(fault?.errors).toEqual([{ message: `${message} (SQLSTATE ${sqlstate})` }]);
  });

  test.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Client has encountered a connection error and is not queryable',
    'Query read timeout',
    'timeout exceeded when trying to connect',
  ])('pg client error "%s" is store_unavailable', (message) => {
    expect(postgresFault(pgError(message))?.code).toBe('store_unavailable');
  });

  test.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'])('socket error %s is store_unavailable', (code) => {
    expect(postgresFault(pgError(`connect ${code} 127.0.0.1:5432`, code))?.code).toBe('store_unavailable');
  });

  test('SQLSTATE 53100 (disk full) is store_full', () => {
    const fault = postgresFault(pgError('could not extend file "base/16384/16385": No space left on device', '53100'));
    expect(fault?.code).toBe('store_full');
    expect(fault?.message).toBe('store full');
    expect(fault?.errors).toEqual([{ message: 'the database server has no disk space left (SQLSTATE 53100)' }]);
  });

  test('errors of a working server or of Tidings are not faults', () => {
    expect(postgresFault(pgError('duplicate key value violates unique constraint', '23505'))).toBeNull();
    expect(postgresFault(pgError('syntax error at or near "SELEC"', '42601'))).toBeNull();
    expect(postgresFault(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeNull();
    const refused = new TidingsError('invalid_input', 'bad');
    expect(postgresFault(refused)).toBeNull();
  });

  test('any error on a connection that broke meanwhile is store_unavailable', () => {
    expect(postgresFault(new TypeError('x'), true)?.code).toBe('store_unavailable');
    expect(postgresFault(pgError('duplicate key', '23505'), true)?.code).toBe('store_unavailable');
    expect(postgresFault(new TidingsError('invalid_input', 'bad'), true)).toBeNull();
  });
});

/** A node:sqlite error as it is thrown: code ERR_SQLITE_ERROR, the (extended) result code in `errcode`. */
const sqliteError = (errcode: number, message: string) =>
  Object.assign(new Error(message), { code: 'ERR_SQLITE_ERROR', errcode, errstr: message });

describe('sqliteFault', () => {
  test('SQLITE_FULL is store_full', () => {
    expect(sqliteFault(sqliteError(13, 'database or disk is full'))?.code).toBe('store_full');
  });

  test.each([
    [5, 'database is locked'],
    [517, 'database is locked (SQLITE_BUSY_SNAPSHOT)'],
    [8, 'attempt to write a readonly database'],
    [10, 'disk I/O error'],
    [266, 'disk I/O error (SQLITE_IOERR_READ)'],
  ])('result code %i is store_unavailable', (errcode, message) => {
    expect(sqliteFault(sqliteError(errcode, message))?.code).toBe('store_unavailable');
  });

  test('constraint and syntax errors are not faults', () => {
    expect(sqliteFault(sqliteError(19, 'UNIQUE constraint failed: users.external_id'))).toBeNull();
    expect(sqliteFault(sqliteError(1, 'near "SELEC": syntax error'))).toBeNull();
    expect(sqliteFault(new TypeError('x'))).toBeNull();
  });

  test('a real SQLITE_FULL from a database at its max_page_count', async () => {
    const store = new SqliteStore(':memory:', { pragmas: ['max_page_count = 10'] });
    try {
      const failed = await store.migrate().catch((error: unknown) => error);
      expect((failed as TidingsError).code).toBe('store_full');
    } finally {
      await store.close();
    }
  });
});

describe('TIDINGS_STORE_TIMEOUT_MS', () => {
  test('unset or empty: 5,000 ms; a positive integer: itself; anything else is refused', () => {
    expect(parseStoreTimeoutMs(undefined)).toBe(DEFAULT_STORE_TIMEOUT_MS);
    expect(DEFAULT_STORE_TIMEOUT_MS).toBe(5000);
    expect(parseStoreTimeoutMs('')).toBe(5000);
    expect(parseStoreTimeoutMs('200')).toBe(200);
    for (const bad of ['0', '-1', '1.5', 'soon', '3600001'])
      expect(() => parseStoreTimeoutMs(bad)).toThrow(/TIDINGS_STORE_TIMEOUT_MS must be an integer from 1 to 3600000/);
  });
});

describe('SQLite deadline', () => {
  test('a unit that cannot start within the deadline gets store_unavailable and never runs', async () => {
    const store = new SqliteStore(':memory:', { timeoutMs: 100 });
    await store.migrate();
    try {
      let finish!: () => void;
      const held = new Promise<void>((resolve) => (finish = resolve));
      const holding = store.transaction(async () => held);
      let ran = false;
      const started = performance.now();
      const late = await store
        .read(async () => {
          ran = true;
        })
        .catch((error: unknown) => error);
      expect(performance.now() - started).toBeLessThan(500);
      expect((late as TidingsError).code).toBe('store_unavailable');
      expect((late as TidingsError).errors).toEqual([{ message: 'the store did not answer within 100 ms' }]);
      finish();
      await holding;
      await expect(store.read((r) => r.countUsers())).resolves.toBe(0);
      expect(ran).toBe(false);
    } finally {
      await store.close();
    }
  });
});
