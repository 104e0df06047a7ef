import { decodeTime } from 'ulid';
import { expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.ts';
import type { Store } from '../../src/store/store.ts';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

test('ids are ULIDs of the engine clock, strictly increasing, and their random part varies', () => {
  let now = Date.parse('2026-03-06T08:00:00Z');
  const engine = createEngine({} as Store, { now: () => now });
  const ids: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    if (i % 1000 === 0) now += 1; // a new millisecond draws new random bits
    ids.push(engine.newId());
  }
  expect(ids.every((id) => ULID.test(id))).toBe(true);
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  expect(decodeTime(ids[0]!)).toBe(Date.parse('2026-03-06T08:00:00.001Z'));
  expect(decodeTime(ids.at(-1)!)).toBe(Date.parse('2026-03-06T08:00:00.010Z'));
  const randomParts = new Set(ids.filter((_, i) => i % 1000 === 0).map((id) => id.slice(10)));
  expect(randomParts.size).toBe(10);
});
