import { DateTime } from 'luxon';
import { describe, expect, test } from 'vitest';
import { checkEvent, checkProperties, checkPurchase, parseEventTime } from '../../src/core/event-input.ts';
import { NOW } from './fixtures.ts';

const REQUIRED = "'time' is required: an ISO 8601 date-time such as 2026-03-06T08:00:00Z";
const notIso = (value: unknown) => `'time' is not an ISO 8601 date-time: ${JSON.stringify(value)}`;

describe('parseEventTime', () => {
  test('a 60,000-character time is refused before any parser reads it, and quoted short', () => {
    const text = `2026-${'1'.repeat(60_000)}`;
    expect(parseEventTime(text, NOW)).toEqual({
      ok: false,
      error: `'time' is not an ISO 8601 date-time: "${text.slice(0, 64)}"…(60005 characters)`,
    });
  });

  test.each<[string, string, number]>([
    ['ISO with Z', '2026-03-06T08:00:00Z', Date.UTC(2026, 2, 6, 8)],
    ['ISO with milliseconds and Z', '2026-03-06T08:00:00.123Z', Date.UTC(2026, 2, 6, 8, 0, 0, 123)],
    ['ISO with +09:00', '2026-03-06T08:00:00+09:00', Date.UTC(2026, 2, 5, 23)],
    ['ISO with -05:00', '2026-03-06T06:00:00-05:00', Date.UTC(2026, 2, 6, 11)],
    ['no offset is UTC', '2026-03-06T08:00:00', Date.UTC(2026, 2, 6, 8)],
    ['minutes only, Z', '2026-03-06T08:30Z', Date.UTC(2026, 2, 6, 8, 30)],
    ['date only is midnight UTC', '2026-03-06', Date.UTC(2026, 2, 6)],
    ["Braze's HH:mm:ss:SSS with Z", '2026-03-06T08:00:00:123Z', Date.UTC(2026, 2, 6, 8, 0, 0, 123)],
    ["Braze's HH:mm:ss:SSS without offset (UTC)", '2026-03-06T08:00:00:456', Date.UTC(2026, 2, 6, 8, 0, 0, 456)],
    ["Braze's HH:mm:ss:SSS with +09:00", '2026-03-06T08:00:00:123+09:00', Date.UTC(2026, 2, 5, 23, 0, 0, 123)],
    ['surrounding whitespace is ignored', '  2026-03-06T08:00:00Z ', Date.UTC(2026, 2, 6, 8)],
    ['a leap day', '2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['exactly now', new Date(NOW).toISOString(), NOW],
  ])('%s: %j', (_name, text, ms) => {
    expect(parseEventTime(text, NOW)).toEqual({ ok: true, value: ms });
  });

  test.each(['2026-03-06T12:00:00.001Z', '2027-01-01T00:00:00Z', '2099-12-31', '2026-03-06T22:00:00+09:00'])(
    'a future time %j is recorded as now',
    (text) => {
      expect(parseEventTime(text, NOW)).toEqual({ ok: true, value: NOW });
    },
  );

  test.each([
    '2026-02-30T08:00:00Z',
    '2026-02-29T08:00:00Z',
    '2026-04-31T00:00:00.000Z',
    '2026-03-06T08:60:00Z',
    '2026-03-06T08:00:60Z',
  ])('an impossible date-time in the common shape %j is refused', (text) => {
    expect(parseEventTime(text, NOW)).toEqual({ ok: false, error: notIso(text) });
  });

  test('the common shape is read exactly as luxon reads it', () => {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 2000; i++) {
      const offset = [`Z`, `+${two(next(15))}:${two(next(4) * 15)}`, `-${two(next(13))}:${two(next(2) * 30)}`][next(3)];
      const fraction = ['', `.${next(10)}`, `.${two(next(100))}`, `.${String(next(1000)).padStart(3, '0')}`][next(4)];
      const text = `${1970 + next(80)}-${two(1 + next(12))}-${two(1 + next(31))}T${two(next(24))}:${two(next(60))}:${two(next(60))}${fraction}${offset}`;
      const luxon = DateTime.fromISO(text, { zone: 'utc' });
      const expected = luxon.isValid
        ? { ok: true, value: Math.min(luxon.toMillis(), NOW) }
        : { ok: false, error: notIso(text) };
      expect([text, parseEventTime(text, NOW)]).toEqual([text, expected]);
    }
  });

  test('"now" is the one passed in, not the wall clock', () => {
    const past = Date.UTC(2000, 0, 1);
    expect(parseEventTime('2026-03-06T08:00:00Z', past)).toEqual({ ok: true, value: past });
  });

  test.each([
    'garbage',
    '2026-02-30',
    '2026-13-01',
    '2026-03-06T25:00:00Z',
    '03/06/2026',
    'yesterday',
    '2026-03-06T08:00:00 UTC',
  ])('%j is refused', (text) => {
    expect(parseEventTime(text, NOW)).toEqual({ ok: false, error: notIso(text) });
  });

  test.each([
    ['empty', ''],
    ['blank', '   '],
    ['undefined', undefined],
    ['null', null],
    ['epoch milliseconds', 1_772_784_000_000],
    ['a Date', new Date(NOW)],
  ])('%s is refused as missing', (_name, value) => {
    expect(parseEventTime(value, NOW)).toEqual({ ok: false, error: REQUIRED });
  });
});

describe('checkProperties', () => {
  test.each([undefined, null])('%j gives an empty object', (value) => {
    expect(checkProperties(value)).toEqual({ ok: true, value: {} });
  });

  test('an object is returned as is', () => {
    const properties = {
      sku: 'X-1',
      value: 150,
      gift: false,
      tags: ['a'],
      nested: { a: { b: 1 } },
      when: '2026-03-06T08:00:00Z',
      none: null,
    };
    const result = checkProperties(properties);
    expect(result).toEqual({ ok: true, value: properties });
  });

  test('an empty object is fine', () => {
    expect(checkProperties({})).toEqual({ ok: true, value: {} });
  });

  test.each([
    ['a string', 'x'],
    ['a number', 1],
    ['a boolean', true],
    ['an array', [{ a: 1 }]],
  ])('%s is refused', (_name, value) => {
    expect(checkProperties(value)).toEqual({ ok: false, error: "'properties' must be an object" });
  });

  test('a key starting with $ is refused', () => {
    expect(checkProperties({ ok: 1, $revenue: 2 })).toEqual({
      ok: false,
      error: "'properties.$revenue' must not start with '$'",
    });
  });

  test('a $ elsewhere in a key is fine', () => {
    expect(checkProperties({ price$: 1 })).toEqual({ ok: true, value: { price$: 1 } });
  });

  test('an empty key is refused', () => {
    expect(checkProperties({ '': 1 })).toEqual({
      ok: false,
      error: "'properties' keys must be 1 to 255 characters long",
    });
  });

  test('a key of 255 characters passes, 256 is refused', () => {
    expect(checkProperties({ ['k'.repeat(255)]: 1 }).ok).toBe(true);
    expect(checkProperties({ ['k'.repeat(256)]: 1 })).toEqual({
      ok: false,
      error: "'properties' keys must be 1 to 255 characters long",
    });
  });

  test('a string value of 255 characters passes, 256 is refused', () => {
    expect(checkProperties({ note: 'x'.repeat(255) }).ok).toBe(true);
    expect(checkProperties({ note: 'x'.repeat(256) })).toEqual({
      ok: false,
      error: "'properties.note' is longer than 255 characters",
    });
  });

  test('exactly 50 KB passes (long text goes in an array, where the 255 limit does not apply)', () => {
    const base = Buffer.byteLength(JSON.stringify({ a: [''] }));
    const exact = { a: ['x'.repeat(51_200 - base)] };
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(51_200);
    expect(checkProperties(exact)).toEqual({ ok: true, value: exact });
  });

  test('one byte over 50 KB is refused with the size', () => {
    const base = Buffer.byteLength(JSON.stringify({ a: [''] }));
    const over = { a: ['x'.repeat(51_201 - base)] };
    expect(checkProperties(over)).toEqual({
      ok: false,
      error: "'properties' is 51201 bytes; at most 51200 are allowed",
    });
  });

  test('the size counts UTF-8 bytes', () => {
    const result = checkProperties({ a: ['あ'.repeat(17_100)] });
    expect(result.ok).toBe(false);
  });

  test('the properties object itself is returned (no copy)', () => {
    const properties = { a: 1 };
    const result = checkProperties(properties);
    expect(result.ok && result.value).toBe(properties);
  });
});

describe('checkEvent', () => {
  const T = '2026-03-06T08:00:00Z';

  test('a valid event gives name, time (ms) and properties', () => {
    expect(checkEvent({ external_id: 'e1', name: 'added_to_cart', time: T, properties: { sku: 'X' } }, NOW)).toEqual({
      ok: true,
      value: { name: 'added_to_cart', time: Date.UTC(2026, 2, 6, 8), properties: { sku: 'X' } },
    });
  });

  test('properties default to an empty object', () => {
    expect(checkEvent({ name: 'x', time: T }, NOW)).toEqual({
      ok: true,
      value: { name: 'x', time: Date.UTC(2026, 2, 6, 8), properties: {} },
    });
  });

  test('a future time is recorded as now', () => {
    expect(checkEvent({ name: 'x', time: '2030-01-01T00:00:00Z' }, NOW)).toEqual({
      ok: true,
      value: { name: 'x', time: NOW, properties: {} },
    });
  });

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 5],
    ['256 characters', 'n'.repeat(256)],
  ])('a name that is %s is refused', (_name, name) => {
    expect(checkEvent({ name, time: T }, NOW)).toEqual({
      ok: false,
      error: "'name' is required: a string of 1 to 255 characters",
    });
  });

  test('a name of 255 characters passes', () => {
    expect(checkEvent({ name: 'n'.repeat(255), time: T }, NOW).ok).toBe(true);
  });

  test('a missing or bad time is refused', () => {
    expect(checkEvent({ name: 'x' }, NOW)).toEqual({ ok: false, error: REQUIRED });
    expect(checkEvent({ name: 'x', time: 'soon' }, NOW)).toEqual({ ok: false, error: notIso('soon') });
  });

  test('bad properties are refused', () => {
    expect(checkEvent({ name: 'x', time: T, properties: { $x: 1 } }, NOW)).toEqual({
      ok: false,
      error: "'properties.$x' must not start with '$'",
    });
    expect(checkEvent({ name: 'x', time: T, properties: [] }, NOW)).toEqual({
      ok: false,
      error: "'properties' must be an object",
    });
  });

  test('the name is checked before the time, the time before the properties', () => {
    expect(checkEvent({ name: '', time: 'bad', properties: 'bad' }, NOW)).toMatchObject({
      error: expect.stringContaining("'name'"),
    });
    expect(checkEvent({ name: 'x', time: 'bad', properties: 'bad' }, NOW)).toMatchObject({
      error: expect.stringContaining("'time'"),
    });
  });
});

describe('checkPurchase', () => {
  const T = '2026-03-06T08:00:00Z';
  const base = { product_id: 'shoe', currency: 'JPY', price: 1200, time: T };

  test('a valid purchase is an event named purchase with its details; quantity defaults to 1', () => {
    expect(checkPurchase(base, NOW)).toEqual({
      ok: true,
      value: {
        name: 'purchase',
        time: Date.UTC(2026, 2, 6, 8),
        properties: {},
        purchase: { product_id: 'shoe', currency: 'JPY', price: 1200, quantity: 1 },
      },
    });
  });

  test('properties and quantity are kept', () => {
    const result = checkPurchase({ ...base, quantity: 3, properties: { size: 27 } }, NOW);
    expect(result).toEqual({
      ok: true,
      value: {
        name: 'purchase',
        time: Date.UTC(2026, 2, 6, 8),
        properties: { size: 27 },
        purchase: { product_id: 'shoe', currency: 'JPY', price: 1200, quantity: 3 },
      },
    });
  });

  test('a null quantity is the default 1', () => {
    const result = checkPurchase({ ...base, quantity: null }, NOW);
    expect(result.ok && result.value.purchase.quantity).toBe(1);
  });

  test.each([
    ['jpy', 'JPY'],
    ['Usd', 'USD'],
    ['EUR', 'EUR'],
  ])('currency %s is stored as %s', (sent, stored) => {
    const result = checkPurchase({ ...base, currency: sent }, NOW);
    expect(result.ok && result.value.purchase.currency).toBe(stored);
  });

  test.each(['ZZZ', 'YEN', 'US', 'USDX', '', 'XXX'])('currency %j is refused', (currency) => {
    expect(checkPurchase({ ...base, currency }, NOW)).toEqual({
      ok: false,
      error: `'currency' must be an ISO 4217 code such as USD, got ${JSON.stringify(currency)}`,
    });
  });

  test('a missing currency is refused', () => {
    expect(checkPurchase({ ...base, currency: undefined }, NOW)).toEqual({
      ok: false,
      error: "'currency' must be an ISO 4217 code such as USD, got undefined",
    });
  });

  test.each([1, 100, 50])('quantity %d passes', (quantity) => {
    const result = checkPurchase({ ...base, quantity }, NOW);
    expect(result.ok && result.value.purchase.quantity).toBe(quantity);
  });

  test.each([0, 101, 1.5, -1, '2', Number.NaN])('quantity %j is refused', (quantity) => {
    expect(checkPurchase({ ...base, quantity }, NOW)).toEqual({
      ok: false,
      error: "'quantity' must be a whole number from 1 to 100",
    });
  });

  test.each([0, 0.99, -5, 1e9])('price %d passes', (price) => {
    const result = checkPurchase({ ...base, price }, NOW);
    expect(result.ok && result.value.purchase.price).toBe(price);
  });

  test.each([
    ['missing', undefined],
    ['a string', '12'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('a price that is %s is refused', (_name, price) => {
    expect(checkPurchase({ ...base, price }, NOW)).toEqual({ ok: false, error: "'price' is required: a number" });
  });

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 7],
    ['256 characters', 'p'.repeat(256)],
  ])('a product_id that is %s is refused', (_name, productId) => {
    expect(checkPurchase({ ...base, product_id: productId }, NOW)).toEqual({
      ok: false,
      error: "'product_id' is required: a string of 1 to 255 characters",
    });
  });

  test('a product_id of 255 characters passes', () => {
    expect(checkPurchase({ ...base, product_id: 'p'.repeat(255) }, NOW).ok).toBe(true);
  });

  test('time and properties follow the event rules', () => {
    expect(checkPurchase({ ...base, time: '2030-01-01' }, NOW)).toMatchObject({ ok: true, value: { time: NOW } });
    expect(checkPurchase({ ...base, time: undefined }, NOW)).toEqual({ ok: false, error: REQUIRED });
    expect(checkPurchase({ ...base, properties: { $x: 1 } }, NOW)).toEqual({
      ok: false,
      error: "'properties.$x' must not start with '$'",
    });
  });

  test('checks run in order: product_id, currency, price, quantity, time, properties', () => {
    const bad = { product_id: '', currency: 'ZZZ', price: 'x', quantity: 0, time: 'bad', properties: 'bad' };
    const order = ["'product_id'", "'currency'", "'price'", "'quantity'", "'time'", "'properties'"];
    const fixes: Record<string, unknown> = {
      product_id: 'shoe',
      currency: 'JPY',
      price: 1,
      quantity: 1,
      time: T,
      properties: {},
    };
    const item: Record<string, unknown> = { ...bad };
    for (const [i, field] of ['product_id', 'currency', 'price', 'quantity', 'time', 'properties'].entries()) {
      expect(checkPurchase(item, NOW)).toMatchObject({ ok: false, error: expect.stringContaining(order[i]!) });
      item[field] = fixes[field];
    }
    expect(checkPurchase(item, NOW).ok).toBe(true);
  });
});
