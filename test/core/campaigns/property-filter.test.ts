import { describe, expect, test } from 'vitest';
import type { FilterOp, PropertyFilter } from '../../../src/schemas/filters.ts';
import {
  matchesComparison,
  matchesPropertyFilters,
  parseIsoInstant,
  validatePropertyFilter,
  validatePropertyFilters,
  valueAtPath,
} from '../../../src/core/campaigns/property-filter.ts';
import type { Json } from '../../../src/core/user.ts';

type Case = [string, unknown, Json | undefined, boolean];

/** Runs one operator over [description, filter value, actual value, expected result] rows. */
function operatorCases(op: FilterOp, cases: Case[], ignoreCase?: boolean) {
  test.each(cases)(`${op}${ignoreCase ? ' (ignore_case)' : ''}: %s`, (_name, value, actual, expected) => {
    const filter = { op, value, ...(ignoreCase === undefined ? {} : { ignore_case: ignoreCase }) };
    expect(matchesComparison(filter, actual)).toBe(expected);
  });
}

describe('eq and neq', () => {
  const eq: Case[] = [
    ['same string', 'gold', 'gold', true],
    ['different string', 'gold', 'silver', false],
    ['case differs', 'Gold', 'gold', false],
    ['same number', 5, 5, true],
    ['different number', 5, 6, false],
    ['0 and -0', 0, -0, true],
    ['a string never equals a number', 5, '5', false],
    ['a number never equals a string', '5', 5, false],
    ['true equals true', true, true, true],
    ['false equals false', false, false, true],
    ['a boolean never equals its string', true, 'true', false],
    ['a boolean never equals 1', true, 1, false],
    ['missing', 'gold', undefined, false],
    ['null', 'gold', null, false],
    ['an array never equals', 'gold', ['gold'], false],
    ['an object never equals', 'gold', { gold: true }, false],
    ['date-times compare as text', '2026-03-06T12:00:00Z', '2026-03-06T21:00:00+09:00', false],
  ];
  operatorCases('eq', eq);
  operatorCases(
    'neq',
    eq.map(([name, value, actual, expected]): Case => [name, value, actual, !expected]),
  );
  operatorCases(
    'eq',
    [
      ['case differs', 'Gold', 'gOLD', true],
      ['still no number conversion', 5, '5', false],
      ['non-ASCII letters', 'ÉCOLE', 'école', true],
    ],
    true,
  );
  operatorCases(
    'neq',
    [
      ['case differs', 'Gold', 'gOLD', false],
      ['missing', 'Gold', undefined, true],
    ],
    true,
  );
});

describe('ordering: gt gte lt lte', () => {
  operatorCases('gt', [
    ['greater', 10, 11, true],
    ['equal', 10, 10, false],
    ['less', 10, 9, false],
    ['negative and fractional', -1.5, -1.25, true],
    ['a numeric string is not a number', 10, '11', false],
    ['a number against a numeric string value', '10', 11, false],
    ['plain strings have no order', 'a', 'b', false],
    ['boolean', 0, true, false],
    ['missing', 10, undefined, false],
    ['null', 10, null, false],
    ['array', 10, [11], false],
    ['later instant', '2026-03-06T12:00:00Z', '2026-03-06T12:00:01Z', true],
    ['same instant in another offset', '2026-03-06T12:00:00Z', '2026-03-06T21:00:00+09:00', false],
    ['later instant in another offset', '2026-03-06T12:00:00Z', '2026-03-06T21:00:00.001+09:00', true],
    ['date alone is midnight UTC', '2026-03-06', '2026-03-06T00:00:01Z', true],
    ['a number never compares with a date-time', 0, '2026-03-06T12:00:00Z', false],
    ['a date-time never compares with a number', '1970-01-01T00:00:00Z', 1, false],
    ['impossible date', '2026-03-01', '2026-02-30', false],
  ]);
  operatorCases('gte', [
    ['greater', 10, 11, true],
    ['equal', 10, 10, true],
    ['less', 10, 9, false],
    ['string', 10, '10', false],
    ['missing', 10, undefined, false],
    ['same instant, other offset', '2026-03-06T12:00:00Z', '2026-03-06T21:00:00+09:00', true],
  ]);
  operatorCases('lt', [
    ['less', 10, 9, true],
    ['equal', 10, 10, false],
    ['greater', 10, 11, false],
    ['string', 10, '9', false],
    ['missing', 10, undefined, false],
    ['earlier instant', '2026-03-06T12:00:00Z', '2026-03-06T11:59:59.999Z', true],
    ['time without offset is UTC', '2026-03-06T12:00:00Z', '2026-03-06T11:59', true],
  ]);
  operatorCases('lte', [
    ['less', 10, 9, true],
    ['equal', 10, 10, true],
    ['greater', 10, 11, false],
    ['string', 10, '10', false],
    ['missing', 10, undefined, false],
    ['same date', '2000-01-01', '2000-01-01', true],
  ]);
  test('ignore_case changes nothing for numbers', () => {
    expect(matchesComparison({ op: 'gt', value: 1, ignore_case: true }, 2)).toBe(true);
  });
});

describe('between (inclusive)', () => {
  operatorCases('between', [
    ['inside', [100, 200], 150, true],
    ['exactly at low', [100, 200], 100, true],
    ['exactly at high', [100, 200], 200, true],
    ['just below low', [100, 200], 99.999, false],
    ['just above high', [100, 200], 200.001, false],
    ['a single point', [5, 5], 5, true],
    ['a numeric string', [100, 200], '150', false],
    ['missing', [100, 200], undefined, false],
    ['null', [100, 200], null, false],
    ['instants: inside', ['2026-03-01T00:00:00Z', '2026-03-31T23:59:59Z'], '2026-03-06T12:00:00+09:00', true],
    [
      'instants: exactly at high, written in another offset',
      ['2026-03-01T00:00:00Z', '2026-03-06T12:00:00Z'],
      '2026-03-06T21:00:00+09:00',
      true,
    ],
    [
      'instants: one millisecond after high',
      ['2026-03-01T00:00:00Z', '2026-03-06T12:00:00Z'],
      '2026-03-06T12:00:00.001Z',
      false,
    ],
    ['dates', ['1990-01-01', '1999-12-31'], '1995-06-15', true],
    ['a number against date bounds', ['2026-03-01T00:00:00Z', '2026-03-31T00:00:00Z'], 1772755200000, false],
    ['not a pair', [100], 100, false],
  ]);
});

describe('in and not_in', () => {
  const inCases: Case[] = [
    ['listed string', ['jp', 'us'], 'jp', true],
    ['unlisted string', ['jp', 'us'], 'fr', false],
    ['case differs', ['JP'], 'jp', false],
    ['listed number', [1, 2, 3], 2, true],
    ['a string is not its number', [1, 2, 3], '2', false],
    ['a number is not its string', ['1', '2'], 2, false],
    ['listed boolean', [true], true, true],
    ['mixed list', ['a', 1, false], false, true],
    ['missing', ['jp'], undefined, false],
    ['null', ['jp'], null, false],
    ['an array is not a member', ['jp'], ['jp'], false],
  ];
  operatorCases('in', inCases);
  operatorCases(
    'not_in',
    inCases.map(([name, value, actual, expected]): Case => [name, value, actual, !expected]),
  );
  operatorCases(
    'in',
    [
      ['case differs', ['JP', 'US'], 'jp', true],
      ['number still exact', [1], '1', false],
    ],
    true,
  );
  operatorCases('not_in', [['case differs', ['JP', 'US'], 'jp', false]], true);
});

describe('contains and not_contains', () => {
  const containsCases: Case[] = [
    ['substring', 'gold', 'rose gold ring', true],
    ['whole string', 'gold', 'gold', true],
    ['not a substring', 'gold', 'silver', false],
    ['case differs', 'Gold', 'gold', false],
    ['array member', 'vip', ['new', 'vip'], true],
    ['array: a member must equal, not contain', 'vi', ['vip'], false],
    ['array of numbers', 3, [1, 2, 3], true],
    ['array: no number conversion', '3', [1, 2, 3], false],
    ['array of booleans', true, [false, true], true],
    ['a number has no substrings', 1, 123, false],
    ['a number value against a string', 5, 'a5', false],
    ['empty array', 'vip', [], false],
    ['object', 'vip', { vip: true }, false],
    ['missing', 'vip', undefined, false],
    ['null', 'vip', null, false],
  ];
  operatorCases('contains', containsCases);
  operatorCases(
    'not_contains',
    containsCases.map(([name, value, actual, expected]): Case => [name, value, actual, !expected]),
  );
  operatorCases(
    'contains',
    [
      ['substring, case differs', 'GOLD', 'Rose Gold', true],
      ['array member, case differs', 'VIP', ['new', 'vip'], true],
    ],
    true,
  );
  operatorCases('not_contains', [['array member, case differs', 'VIP', ['vip'], false]], true);
});

describe('starts_with, ends_with', () => {
  operatorCases('starts_with', [
    ['prefix', 'SKU-', 'SKU-123', true],
    ['not a prefix', 'SKU-', 'X-SKU-123', false],
    ['case differs', 'sku-', 'SKU-123', false],
    ['number', '12', 123, false],
    ['array', 'a', ['abc'], false],
    ['missing', 'SKU-', undefined, false],
  ]);
  operatorCases('starts_with', [['case differs', 'sku-', 'SKU-123', true]], true);
  operatorCases('ends_with', [
    ['suffix', '@example.com', 'ann@example.com', true],
    ['not a suffix', '@example.com', 'ann@example.org', false],
    ['case differs', '@EXAMPLE.COM', 'ann@example.com', false],
    ['number', '3', 123, false],
    ['missing', '.com', undefined, false],
  ]);
  operatorCases('ends_with', [['case differs', '@EXAMPLE.COM', 'ann@example.com', true]], true);
});

describe('regex', () => {
  operatorCases('regex', [
    ['matches anywhere', 'gold', 'rose gold', true],
    ['anchored', '^SKU-\\d+$', 'SKU-123', true],
    ['anchored, no match', '^SKU-\\d+$', 'SKU-12a', false],
    ['case-sensitive', '^sku', 'SKU-1', false],
    ['a number is not a string', '^1', 123, false],
    ['array', 'a', ['a'], false],
    ['missing', '.*', undefined, false],
    ['null', '.*', null, false],
    ['an invalid pattern matches nothing', '(', '(', false],
  ]);
  operatorCases('regex', [['case-insensitive', '^sku', 'SKU-1', true]], true);
});

describe('regex on a linear-time engine', () => {
  test.each([28, 100_000])('(a+)+$ against %i a and a final "!" answers at once, with no match', (length) => {
    const started = performance.now();
    expect(matchesComparison({ op: 'regex', value: '(a+)+$' }, `${'a'.repeat(length)}!`)).toBe(false);
    expect(matchesComparison({ op: 'regex', value: '(a+)+$', ignore_case: true }, 'A'.repeat(length))).toBe(true);
    expect(performance.now() - started).toBeLessThan(100);
  });

  test.each(['(\\w)\\1', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b'])('%j is refused at save, saying why', (pattern) => {
    expect(validatePropertyFilter({ property: 'p', op: 'regex', value: pattern }, 'trigger.filters[0]')).toMatch(
      /^'trigger\.filters\[0\]\.value' of a 'regex' filter cannot run on the linear-time \(RE2\) engine \(.+\): backreferences, lookahead and lookbehind are not supported, got /,
    );
  });

  test('a stored pattern RE2 cannot run matches nothing', () => {
    expect(matchesComparison({ op: 'regex', value: '(a)\\1' }, 'aa')).toBe(false);
  });
});

describe('exists and not_exists', () => {
  const existsCases: Case[] = [
    ['string', undefined, 'x', true],
    ['empty string', undefined, '', true],
    ['zero', undefined, 0, true],
    ['false', undefined, false, true],
    ['empty array', undefined, [], true],
    ['object', undefined, {}, true],
    ['missing', undefined, undefined, false],
    ['null', undefined, null, false],
  ];
  operatorCases('exists', existsCases);
  operatorCases(
    'not_exists',
    existsCases.map(([name, value, actual, expected]): Case => [name, value, actual, !expected]),
  );
});

describe('no value: only the negative operators match', () => {
  const filters: Array<[FilterOp, unknown]> = [
    ['eq', 'a'],
    ['neq', 'a'],
    ['gt', 1],
    ['gte', 1],
    ['lt', 1],
    ['lte', 1],
    ['between', [1, 2]],
    ['in', ['a']],
    ['not_in', ['a']],
    ['exists', undefined],
    ['not_exists', undefined],
    ['contains', 'a'],
    ['not_contains', 'a'],
    ['starts_with', 'a'],
    ['ends_with', 'a'],
    ['regex', '.*'],
  ];
  const negative = new Set<FilterOp>(['neq', 'not_in', 'not_contains', 'not_exists']);
  test.each(filters)('%s', (op, value) => {
    expect(matchesPropertyFilters([{ property: 'absent', op, value }], { other: 1 })).toBe(negative.has(op));
    expect(matchesPropertyFilters([{ property: 'nulled', op, value }], { nulled: null })).toBe(negative.has(op));
  });
});

describe('matchesPropertyFilters', () => {
  const properties: Record<string, Json> = {
    cart_value: 150,
    currency: 'JPY',
    cart: { items: 3, coupon: { code: 'SPRING' }, tags: ['gift'] },
    'utm.source': 'line',
    utm: { medium: 'chat' },
  };
  test.each<[string, PropertyFilter[] | undefined, boolean]>([
    ['no filters', undefined, true],
    ['an empty list', [], true],
    ['one that holds', [{ property: 'cart_value', op: 'between', value: [100, 200] }], true],
    [
      'all hold',
      [
        { property: 'cart_value', op: 'gte', value: 100 },
        { property: 'currency', op: 'eq', value: 'JPY' },
      ],
      true,
    ],
    [
      'one of two fails',
      [
        { property: 'cart_value', op: 'gte', value: 100 },
        { property: 'currency', op: 'eq', value: 'USD' },
      ],
      false,
    ],
    ['nested path', [{ property: 'cart.items', op: 'eq', value: 3 }], true],
    [
      'deeply nested path',
      [{ property: 'cart.coupon.code', op: 'starts_with', value: 'spr', ignore_case: true }],
      true,
    ],
    ['nested array', [{ property: 'cart.tags', op: 'contains', value: 'gift' }], true],
    ['path through a scalar', [{ property: 'cart_value.x', op: 'exists' }], false],
    ['path past the end', [{ property: 'cart.coupon.code.x', op: 'not_exists' }], true],
    ['missing nested key', [{ property: 'cart.missing', op: 'neq', value: 1 }], true],
    ['an object itself', [{ property: 'cart.coupon', op: 'exists' }], true],
    ['a literal key with a dot', [{ property: 'utm.source', op: 'eq', value: 'line' }], true],
    ['a nested key beside a dotted one', [{ property: 'utm.medium', op: 'eq', value: 'chat' }], true],
  ])('%s', (_name, filters, expected) => {
    expect(matchesPropertyFilters(filters, properties)).toBe(expected);
  });
});

describe('valueAtPath', () => {
  test.each<[string, Json | undefined, string, Json | undefined]>([
    ['top level', { a: 1 }, 'a', 1],
    ['nested', { a: { b: { c: 'x' } } }, 'a.b.c', 'x'],
    ['through an array', { a: [{ b: 1 }] }, 'a.b', undefined],
    ['array index is not supported', { a: [1] }, 'a.0', undefined],
    ['prototype keys are not properties', {}, 'constructor', undefined],
    ['__proto__ is not a property', {}, '__proto__', undefined],
    ['a longer literal key wins', { 'a.b': { c: 1 }, a: { b: { c: 2 } } }, 'a.b.c', 1],
    ['falls back to a shorter key', { 'a.b': { x: 1 }, a: { b: { c: 2 } } }, 'a.b.c', 2],
    ['root is not an object', null, 'a', undefined],
  ])('%s', (_name, root, path, expected) => {
    expect(valueAtPath(root, path)).toEqual(expected);
  });
});

describe('parseIsoInstant', () => {
  test.each<[string, number | null]>([
    ['2026-03-06', Date.UTC(2026, 2, 6)],
    ['2026-03-06T12:00', Date.UTC(2026, 2, 6, 12)],
    ['2026-03-06T12:00:00Z', Date.UTC(2026, 2, 6, 12)],
    ['2026-03-06T12:00:00.5Z', Date.UTC(2026, 2, 6, 12, 0, 0, 500)],
    ['2026-03-06T12:00:00.123456Z', Date.UTC(2026, 2, 6, 12, 0, 0, 123)],
    ['2026-03-06T21:00:00+09:00', Date.UTC(2026, 2, 6, 12)],
    ['2026-03-06T07:00:00-0500', Date.UTC(2026, 2, 6, 12)],
    ['2026-03-06T12:00:00', Date.UTC(2026, 2, 6, 12)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2026-02-29', null],
    ['2026-13-01', null],
    ['2026-03-06T24:00:00Z', null],
    ['2026-03-06T12:60:00Z', null],
    ['2026-03-06T12:00:00+24:00', null],
    ['2026', null],
    ['2026-03', null],
    ['06/03/2026', null],
    [' 2026-03-06', null],
    ['gold', null],
  ])('%s', (text, expected) => {
    expect(parseIsoInstant(text)).toBe(expected);
  });
});

describe('validatePropertyFilter', () => {
  const valid: Array<[FilterOp, unknown]> = [
    ['eq', 'a'],
    ['eq', 0],
    ['eq', false],
    ['neq', 'a'],
    ['gt', 1],
    ['gte', -1.5],
    ['lt', '2026-03-06T00:00:00Z'],
    ['lte', '2026-03-06'],
    ['between', [1, 2]],
    ['between', [2, 2]],
    ['between', ['2026-03-01', '2026-03-06T12:00:00+09:00']],
    ['in', ['a', 1, true]],
    ['not_in', ['a']],
    ['exists', undefined],
    ['not_exists', undefined],
    ['contains', 'a'],
    ['contains', 3],
    ['not_contains', true],
    ['starts_with', 'a'],
    ['ends_with', 'a'],
    ['regex', '^a\\d+$'],
  ];
  test.each(valid)('%s %j is valid', (op, value) => {
    expect(validatePropertyFilter({ property: 'p', op, value })).toBeNull();
  });

  test.each<[FilterOp, unknown, string]>([
    ['eq', undefined, "'value' of an 'eq' filter must be a string, number or boolean, got nothing"],
    ['eq', null, "'value' of an 'eq' filter must be a string, number or boolean, got null"],
    ['neq', ['a'], "'value' of a 'neq' filter must be a string, number or boolean, got [\"a\"]"],
    ['contains', { a: 1 }, "'value' of a 'contains' filter must be a string, number or boolean, got {\"a\":1}"],
    [
      'gt',
      '5',
      "'value' of a 'gt' filter must be a number or an ISO 8601 date-time such as 2026-03-06T09:00:00Z, got \"5\"",
    ],
    [
      'lte',
      true,
      "'value' of a 'lte' filter must be a number or an ISO 8601 date-time such as 2026-03-06T09:00:00Z, got true",
    ],
    [
      'gte',
      undefined,
      "'value' of a 'gte' filter must be a number or an ISO 8601 date-time such as 2026-03-06T09:00:00Z, got nothing",
    ],
    ['between', 5, "'value' of a 'between' filter must be [low, high]: two numbers or two ISO 8601 date-times, got 5"],
    [
      'between',
      [1],
      "'value' of a 'between' filter must be [low, high]: two numbers or two ISO 8601 date-times, got [1]",
    ],
    [
      'between',
      [1, 2, 3],
      "'value' of a 'between' filter must be [low, high]: two numbers or two ISO 8601 date-times, got [1,2,3]",
    ],
    [
      'between',
      ['1', '2'],
      '\'value\' of a \'between\' filter must be [low, high]: two numbers or two ISO 8601 date-times, got ["1","2"]',
    ],
    [
      'between',
      [1, '2026-03-06'],
      "'value' of a 'between' filter must be [low, high]: two numbers or two ISO 8601 date-times, got [1,\"2026-03-06\"]",
    ],
    ['between', [200, 100], "'value' of a 'between' filter must be [low, high] with low ≤ high, got [200,100]"],
    [
      'between',
      ['2026-03-06T12:00:00Z', '2026-03-06T20:00:00+09:00'],
      '\'value\' of a \'between\' filter must be [low, high] with low ≤ high, got ["2026-03-06T12:00:00Z","2026-03-06T20:00:00+09:00"]',
    ],
    ['in', 'a', "'value' of an 'in' filter must be a non-empty list of strings, numbers or booleans, got \"a\""],
    ['in', [], "'value' of an 'in' filter must be a non-empty list of strings, numbers or booleans, got []"],
    [
      'not_in',
      ['a', null],
      "'value' of a 'not_in' filter must list only strings, numbers or booleans, got [\"a\",null]",
    ],
    [
      'exists',
      true,
      "'value' of an 'exists' filter must be left out (it tests whether there is a value at all), got true",
    ],
    [
      'not_exists',
      null,
      "'value' of a 'not_exists' filter must be left out (it tests whether there is a value at all), got null",
    ],
    ['starts_with', '', "'value' of a 'starts_with' filter must be a non-empty string, got \"\""],
    ['ends_with', 5, "'value' of an 'ends_with' filter must be a non-empty string, got 5"],
    ['regex', 5, "'value' of a 'regex' filter must be a non-empty regular expression (a string), got 5"],
  ])('%s %j is refused', (op, value, message) => {
    expect(validatePropertyFilter({ property: 'p', op, value })).toBe(message);
  });

  test.each(['(', '[a-', 'a{2,1}', '(?<x>a)(?<x>b)', '*'])('invalid regex %j is refused with the reason', (pattern) => {
    const error = validatePropertyFilter({ property: 'p', op: 'regex', value: pattern });
    expect(error).toMatch(/^'value' of a 'regex' filter is not a valid regular expression \(.+\), got /);
  });

  test('a long value is shortened in the message', () => {
    const error = validatePropertyFilter({ property: 'p', op: 'eq', value: ['x'.repeat(500)] });
    expect(error!.length).toBeLessThan(200);
    expect(error).toMatch(/…$/);
  });

  test('the path names the field', () => {
    expect(validatePropertyFilter({ property: 'p', op: 'gt', value: 'x' }, 'trigger.filters[2]')).toMatch(
      /^'trigger\.filters\[2\]\.value' of a 'gt' filter/,
    );
  });

  test('validatePropertyFilters names the first bad filter by index', () => {
    const filters: PropertyFilter[] = [
      { property: 'a', op: 'eq', value: 1 },
      { property: 'b', op: 'between', value: [3, 1] },
      { property: 'c', op: 'regex', value: '(' },
    ];
    expect(validatePropertyFilters(filters, 'trigger.filters')).toBe(
      "'trigger.filters[1].value' of a 'between' filter must be [low, high] with low ≤ high, got [3,1]",
    );
    expect(validatePropertyFilters(filters.slice(0, 1), 'trigger.filters')).toBeNull();
    expect(validatePropertyFilters(undefined, 'trigger.filters')).toBeNull();
  });
});
