import { describe, expect, test } from 'vitest';
import { TidingsError } from '../../src/core/errors.ts';
import { postgresFault } from '../../src/store/store-faults.ts';

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
