import { describe, expect, test } from 'vitest';
import { clip, MAX_QUOTED_LENGTH, quote } from '../../src/core/quote.ts';

describe('quote', () => {
  test.each([
    ['abc', '"abc"'],
    [42, '42'],
    [null, 'null'],
    [true, 'true'],
    [undefined, 'undefined'],
    [[1, 2], 'an array'],
    [{ a: 1 }, 'an object'],
  ])('%j → %s', (value, shown) => {
    expect(quote(value)).toBe(shown);
  });

  test('a long string is cut, and its length named', () => {
    const shown = quote('x'.repeat(60_000));
    expect(shown).toBe(`"${'x'.repeat(MAX_QUOTED_LENGTH)}"…(60000 characters)`);
  });
});

describe('clip', () => {
  test('short text is kept; long text is cut after MAX_QUOTED_LENGTH characters', () => {
    expect(clip('+1 415')).toBe('+1 415');
    expect(clip('1'.repeat(MAX_QUOTED_LENGTH))).toBe('1'.repeat(MAX_QUOTED_LENGTH));
    expect(clip('1'.repeat(1000))).toBe(`${'1'.repeat(MAX_QUOTED_LENGTH)}…(1000 characters)`);
  });
});
