import { describe, expect, test } from 'vitest';
import {
  MAX_ARRAY_LENGTH,
  MAX_COUNTER,
  MAX_NESTED_BYTES,
  MAX_STRING_LENGTH,
  updateCustomAttribute,
} from '../../src/core/custom-attributes.ts';
import type { Json } from '../../src/core/user.ts';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function ok(current: Json | undefined, sent: unknown, key = 'k'): Json | undefined {
  const result = updateCustomAttribute(key, current, sent);
  if (!result.ok) throw new Error(`expected ok, got error: ${result.error}`);
  return result.value;
}

function err(current: Json | undefined, sent: unknown, key = 'k'): string {
  const result = updateCustomAttribute(key, current, sent);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('constants', () => {
  test('arrays hold at most 100 values and strings 255 characters', () => {
    expect(MAX_ARRAY_LENGTH).toBe(100);
    expect(MAX_STRING_LENGTH).toBe(255);
  });
});

describe('scalars replace the current value', () => {
  test.each([
    ['a string', 'gold'],
    ['an empty string', ''],
    ['an integer', 42],
    ['zero', 0],
    ['a negative float', -1.5],
    ['true', true],
    ['false', false],
  ])('%s is stored as sent', (_name, value) => {
    expect(updateCustomAttribute('plan', undefined, value)).toEqual({ ok: true, value });
  });

  test('a scalar replaces a value of any other type', () => {
    expect(ok('old', 3)).toBe(3);
    expect(ok(3, 'three')).toBe('three');
    expect(ok(['a', 'b'], true)).toBe(true);
    expect(ok({ nested: 1 }, 'flat')).toBe('flat');
  });

  test('a string of exactly 255 characters is accepted', () => {
    const text = 'x'.repeat(255);
    expect(ok(undefined, text)).toBe(text);
  });

  test('a string of 256 characters is refused, naming the attribute and the length', () => {
    expect(err('old', 'x'.repeat(256), 'bio')).toBe(
      "custom attribute 'bio' is 256 characters long; at most 255 are allowed",
    );
  });

  test('the 255 limit counts characters, not bytes (255 Japanese characters pass)', () => {
    expect(ok(undefined, 'あ'.repeat(255))).toBe('あ'.repeat(255));
    expect(err(undefined, 'あ'.repeat(256))).toContain('256 characters long');
  });

  test.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('%s is refused as not finite', (_name, value) => {
    expect(err(1, value, 'score')).toBe("custom attribute 'score' must be a finite number");
  });

  test.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a bigint', 10n],
    ['a symbol', Symbol('s')],
  ])('%s is refused as an unsupported type', (_name, value) => {
    expect(err(undefined, value, 'weird')).toBe("custom attribute 'weird' has a value of an unsupported type");
  });
});

describe('null removes the attribute', () => {
  test.each([
    ['a string', 'gold'],
    ['a number', 5],
    ['an array', ['a']],
    ['a nested object', { a: 1 }],
    ['nothing (already missing)', undefined],
  ])('null on %s gives an undefined value', (_name, current) => {
    expect(updateCustomAttribute('k', current as Json | undefined, null)).toEqual({ ok: true, value: undefined });
  });
});

describe('{"inc": n}', () => {
  test('on a missing attribute starts from the increment', () => {
    expect(ok(undefined, { inc: 3 })).toBe(3);
  });

  test('on a null current value starts from the increment', () => {
    expect(ok(null, { inc: -2 })).toBe(-2);
  });

  test('adds to a number', () => {
    expect(ok(10, { inc: 5 })).toBe(15);
    expect(ok(10, { inc: -15 })).toBe(-5);
    expect(ok(10, { inc: 0 })).toBe(10);
    expect(ok(1.5, { inc: 0.25 })).toBe(1.75);
  });

  test.each([
    ['a string', 'ten', 'string'],
    ['a boolean', true, 'boolean'],
    ['an array', [1, 2], 'array'],
    ['an object', { a: 1 }, 'object'],
  ])('on %s is refused and names the current type', (_name, current, type) => {
    expect(err(current as Json, { inc: 1 }, 'visits')).toBe(
      `custom attribute 'visits' cannot be incremented: its current value is a ${type}, not a number`,
    );
  });

  test.each([
    ['a string', '1'],
    ['null', null],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an object', { by: 1 }],
    ['an array', [1]],
    ['a boolean', true],
  ])('with %s as n is refused', (_name, by) => {
    expect(err(1, { inc: by }, 'visits')).toBe(`custom attribute 'visits' {"inc": n} needs a number n`);
  });

  test('a bad n is refused even when the current value is missing', () => {
    expect(err(undefined, { inc: 'x' })).toContain('{"inc": n} needs a number n');
  });

  test('up to Number.MAX_SAFE_INTEGER is counted exactly', () => {
    expect(ok(MAX_COUNTER - 1, { inc: 1 })).toBe(MAX_COUNTER);
    expect(ok(-MAX_COUNTER + 1, { inc: -1 })).toBe(-MAX_COUNTER);
    expect(ok(undefined, { inc: MAX_COUNTER })).toBe(MAX_COUNTER);
  });

  test.each([
    ['one past the largest safe integer', MAX_COUNTER, 1],
    ['below the smallest', -MAX_COUNTER, -1],
    ['an overflow to Infinity', 1.7e308, 1.7e308],
    ['a first increment that is too large', undefined, 2 ** 60],
  ])('%s is refused, naming the attribute', (_name, current, by) => {
    expect(err(current, { inc: by }, 'visits')).toBe(
      `custom attribute 'visits' {"inc": ${by}} would take it beyond ±${MAX_COUNTER} (Number.MAX_SAFE_INTEGER)`,
    );
  });
});

describe('arrays replace the current value', () => {
  test('an array is stored as sent', () => {
    expect(ok(undefined, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });

  test('an array replaces a scalar or another array', () => {
    expect(ok('scalar', ['x'])).toEqual(['x']);
    expect(ok(['old', 'values'], ['new'])).toEqual(['new']);
  });

  test('an empty array is stored empty', () => {
    expect(ok(['a'], [])).toEqual([]);
  });

  test('duplicates are removed, keeping the last occurrence of each', () => {
    expect(ok(undefined, ['a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'c', 'b']);
  });

  test('values that differ in type are distinct (1 and "1")', () => {
    expect(ok(undefined, [1, '1', 1, true, 'true'])).toEqual(['1', 1, true, 'true']);
  });

  test('objects inside arrays are compared by value', () => {
    expect(ok(undefined, [{ a: 1 }, { a: 2 }, { a: 1 }])).toEqual([{ a: 2 }, { a: 1 }]);
  });

  test('exactly 100 values are kept whole', () => {
    expect(ok(undefined, range(1, 100))).toEqual(range(1, 100));
  });

  test('past 100 values the oldest (first) are dropped', () => {
    expect(ok(undefined, range(1, 105))).toEqual(range(6, 105));
  });

  test('the cap applies after de-duplication', () => {
    // 1..100 then 1 again: 100 unique values, 1 moved to the end.
    expect(ok(undefined, [...range(1, 100), 1])).toEqual([...range(2, 100), 1]);
  });

  test('a null element is refused with its index', () => {
    expect(err(undefined, ['a', null, 'b'], 'tags')).toBe("custom attribute 'tags' has a null element at index 1");
  });

  test('an element longer than 255 characters is refused with its index', () => {
    expect(err(undefined, ['a', 'b', 'x'.repeat(256)], 'tags')).toBe(
      "custom attribute 'tags' has an element at index 2 longer than 255 characters",
    );
  });

  test('an element of exactly 255 characters is accepted', () => {
    expect(ok(undefined, ['x'.repeat(255)])).toEqual(['x'.repeat(255)]);
  });

  test('the sent array is not modified', () => {
    const sent = ['a', 'b', 'a'];
    ok(undefined, sent);
    expect(sent).toEqual(['a', 'b', 'a']);
  });
});

describe('{"add": [...]} and {"remove": [...]}', () => {
  test('add on a missing attribute creates the array', () => {
    expect(ok(undefined, { add: ['a', 'b'] })).toEqual(['a', 'b']);
  });

  test('add on a null current value creates the array', () => {
    expect(ok(null, { add: ['a'] })).toEqual(['a']);
  });

  test('add appends new values', () => {
    expect(ok(['a', 'b'], { add: ['c'] })).toEqual(['a', 'b', 'c']);
  });

  test('re-adding a value moves it to the end', () => {
    expect(ok(['a', 'b', 'c'], { add: ['a'] })).toEqual(['b', 'c', 'a']);
  });

  test('duplicates inside add collapse to the last occurrence', () => {
    expect(ok(['x'], { add: ['a', 'b', 'a'] })).toEqual(['x', 'b', 'a']);
  });

  test('remove drops every listed value', () => {
    expect(ok(['a', 'b', 'c', 'd'], { remove: ['b', 'd'] })).toEqual(['a', 'c']);
  });

  test('remove of absent values is a no-op', () => {
    expect(ok(['a'], { remove: ['z'] })).toEqual(['a']);
  });

  test('remove on a missing attribute gives an empty array', () => {
    expect(ok(undefined, { remove: ['a'] })).toEqual([]);
  });

  test('remove compares by value and type', () => {
    expect(ok([1, '1', { a: 1 }], { remove: [1, { a: 1 }] })).toEqual(['1']);
  });

  test('add and remove together: remove applies to the current values, then add appends', () => {
    expect(ok(['a', 'b', 'c'], { add: ['d'], remove: ['a'] })).toEqual(['b', 'c', 'd']);
  });

  test('a value both removed and added ends up at the end', () => {
    expect(ok(['a', 'b'], { remove: ['a'], add: ['a'] })).toEqual(['b', 'a']);
  });

  test('key order does not matter ({remove, add} = {add, remove})', () => {
    expect(ok(['a', 'b', 'c'], { remove: ['b'], add: ['z'] })).toEqual(
      ok(['a', 'b', 'c'], { add: ['z'], remove: ['b'] }),
    );
  });

  test('adding past 100 values drops the oldest', () => {
    expect(ok(range(1, 100), { add: [101, 102] })).toEqual(range(3, 102));
  });

  test('re-adding an old value at the cap moves it instead of dropping anything', () => {
    expect(ok(range(1, 100), { add: [1] })).toEqual([...range(2, 100), 1]);
  });

  test('an empty add leaves the array as is', () => {
    expect(ok(['a', 'b'], { add: [] })).toEqual(['a', 'b']);
  });

  test('the current array is not modified', () => {
    const current = ['a', 'b', 'c'];
    ok(current, { add: ['a'], remove: ['b'] });
    expect(current).toEqual(['a', 'b', 'c']);
  });

  test.each([
    ['a string', 'text', 'string'],
    ['a number', 7, 'number'],
    ['a boolean', false, 'boolean'],
    ['a nested object', { a: 1 }, 'object'],
  ])('add on %s is refused', (_name, current, type) => {
    expect(err(current as Json, { add: ['x'] }, 'tags')).toBe(
      `custom attribute 'tags' cannot be edited with add/remove: its current value is a ${type}, not an array`,
    );
  });

  test('remove on a non-array current value is refused too', () => {
    expect(err('text', { remove: ['x'] })).toContain('cannot be edited with add/remove');
  });

  test.each([
    ['add is a string', { add: 'x' }, 'add'],
    ['remove is a string', { remove: 'x' }, 'remove'],
    ['add is an object', { add: { a: 1 } }, 'add'],
    ['remove is null beside a good add', { add: ['a'], remove: null }, 'remove'],
    ['both are bad (add is named first)', { add: 1, remove: 2 }, 'add'],
  ])('%s: refused', (_name, sent, op) => {
    expect(err(['a'], sent, 'tags')).toBe(`custom attribute 'tags' {"${op}": …} needs an array`);
  });

  test('null elements in add or remove are refused', () => {
    expect(err(['a'], { add: ['b', null] }, 'tags')).toBe("custom attribute 'tags' has a null element at index 1");
    expect(err(['a'], { remove: [null] }, 'tags')).toBe("custom attribute 'tags' has a null element at index 0");
  });

  test('over-long strings in add are refused', () => {
    expect(err([], { add: ['x'.repeat(256)] }, 'tags')).toBe(
      "custom attribute 'tags' has an element at index 0 longer than 255 characters",
    );
  });
});

describe('nested objects', () => {
  test('any other object is stored as a nested value', () => {
    const book = { title: 'The Hobbit', author: 'J.R.R. Tolkien', year: 1937, tags: ['fantasy'], meta: { isbn: 'x' } };
    expect(ok(undefined, book)).toEqual(book);
  });

  test('a nested object replaces any current value', () => {
    expect(ok(['a'], { a: 1 })).toEqual({ a: 1 });
    expect(ok(5, { a: 1 })).toEqual({ a: 1 });
    expect(ok({ old: true }, { a: 1 })).toEqual({ a: 1 });
  });

  test('an empty object is a nested value', () => {
    expect(ok('x', {})).toEqual({});
  });

  test('{inc, other} is not an increment: it is stored as a nested value', () => {
    expect(ok(10, { inc: 1, other: 2 })).toEqual({ inc: 1, other: 2 });
  });

  test('{add, other} is not an array edit: it is stored as a nested value', () => {
    expect(ok(['a'], { add: ['b'], note: 'x' })).toEqual({ add: ['b'], note: 'x' });
  });

  test('{remove, inc} is a nested value', () => {
    expect(ok(undefined, { remove: ['b'], inc: 1 })).toEqual({ remove: ['b'], inc: 1 });
  });

  test('a top-level key starting with $ is refused', () => {
    expect(err(undefined, { title: 'x', $price: 1 }, 'book')).toBe(
      "custom attribute 'book' has a nested key '$price' starting with '$'",
    );
  });

  test('a $ elsewhere in the key is fine', () => {
    expect(ok(undefined, { price$: 1 })).toEqual({ price$: 1 });
  });

  test('a nested object of exactly 50 KB is accepted', () => {
    const overhead = Buffer.byteLength(JSON.stringify({ a: '' }));
    const object = { a: 'x'.repeat(50 * 1024 - overhead) };
    expect(Buffer.byteLength(JSON.stringify(object))).toBe(51_200);
    expect(ok(undefined, object)).toEqual(object);
  });

  test('a nested object one byte over 50 KB is refused with its size', () => {
    const overhead = Buffer.byteLength(JSON.stringify({ a: '' }));
    const object = { a: 'x'.repeat(50 * 1024 - overhead + 1) };
    expect(err(undefined, object, 'blob')).toBe(
      "custom attribute 'blob' is a nested object of 51201 bytes; at most 51200 are allowed",
    );
  });

  test('the size counts UTF-8 bytes, not characters', () => {
    // 20,000 Japanese characters are 60,000 UTF-8 bytes.
    expect(err(undefined, { a: 'あ'.repeat(20_000) })).toContain('at most 51200 are allowed');
  });
});

describe('arrays of objects are held to 50 KB, like nested objects', () => {
  const item = (i: number) => ({ i, text: 'x'.repeat(900) });
  test('an array of objects within 50 KB is stored', () => {
    const values = Array.from({ length: 50 }, (_, i) => item(i));
    expect(ok(undefined, values)).toEqual(values);
  });

  test('a larger one is refused, whether sent whole or grown with add', () => {
    const values = Array.from({ length: 60 }, (_, i) => item(i));
    const size = Buffer.byteLength(JSON.stringify(values));
    expect(size).toBeGreaterThan(MAX_NESTED_BYTES);
    expect(err(undefined, values, 'orders')).toBe(
      `custom attribute 'orders' is an array that is ${size} bytes as JSON; at most ${MAX_NESTED_BYTES} are allowed`,
    );
    expect(err(values.slice(0, 30), { add: values.slice(30) }, 'orders')).toContain(`is ${size} bytes as JSON`);
  });

  test('an array of scalars is bounded by its length and string limits alone', () => {
    expect(
      ok(
        undefined,
        Array.from({ length: 100 }, (_, i) => `${'x'.repeat(252)}${i}`),
      ),
    ).toHaveLength(100);
  });
});
