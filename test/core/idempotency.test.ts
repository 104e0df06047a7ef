import { describe, expect, test } from 'vitest';
import {
  decideIdempotency,
  IDEMPOTENCY_ABANDONED_MS,
  IDEMPOTENCY_TTL_MS,
  type IdempotencyRecord,
  idempotencyKeyProblem,
  keepsAnswer,
} from '../../src/core/idempotency.ts';

const NOW = 1_800_000_000_000;
const answer = { status: 201, content_type: 'application/json; charset=utf-8', body: '{"message":"success"}' };
const record = (over: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  api_key_id: 'key-1',
  key: 'k',
  request_hash: 'h',
  answer,
  created_at: NOW - 1000,
  ...over,
});

describe('decideIdempotency', () => {
  test('an unknown key runs', () => {
    expect(decideIdempotency(null, 'h', NOW)).toEqual({ kind: 'run', replacing: null });
  });

  test('the same request within 24 h replays the first answer', () => {
    expect(decideIdempotency(record(), 'h', NOW)).toEqual({ kind: 'replay', answer });
    expect(decideIdempotency(record({ created_at: NOW - IDEMPOTENCY_TTL_MS + 1 }), 'h', NOW).kind).toBe('replay');
  });

  test('another request under the key within 24 h is a mismatch, answered or not', () => {
    expect(decideIdempotency(record(), 'other', NOW)).toEqual({ kind: 'mismatch' });
    expect(decideIdempotency(record({ answer: null }), 'other', NOW)).toEqual({ kind: 'mismatch' });
  });

  test('after 24 h the key is free, whatever it held', () => {
    const old = record({ created_at: NOW - IDEMPOTENCY_TTL_MS });
    expect(decideIdempotency(old, 'h', NOW)).toEqual({ kind: 'run', replacing: old });
    expect(decideIdempotency(old, 'other', NOW)).toEqual({ kind: 'run', replacing: old });
  });

  test('a claim without an answer is in progress, until it counts as abandoned', () => {
    expect(decideIdempotency(record({ answer: null, created_at: NOW - 5 }), 'h', NOW)).toEqual({
      kind: 'in_progress',
    });
    const dead = record({ answer: null, created_at: NOW - IDEMPOTENCY_ABANDONED_MS });
    expect(decideIdempotency(dead, 'h', NOW)).toEqual({ kind: 'run', replacing: dead });
  });
});

test('answers below 500 are kept for repeats; a 5xx is not', () => {
  expect([200, 201, 400, 404, 422].every(keepsAnswer)).toBe(true);
  expect([500, 503, 507].some(keepsAnswer)).toBe(false);
});

test('a key is 1 to 255 visible ASCII characters', () => {
  expect(idempotencyKeyProblem('9f1c-…'.replace('…', 'x'))).toBeNull();
  expect(idempotencyKeyProblem('x'.repeat(255))).toBeNull();
  for (const bad of ['', 'x'.repeat(256), 'a b', 'tab\t', 'é'])
    expect(idempotencyKeyProblem(bad)).toBe('must be 1 to 255 visible ASCII characters');
});
