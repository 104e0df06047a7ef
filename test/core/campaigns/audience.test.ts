import { describe, expect, test } from 'vitest';
import type { Segment, UserFilter } from '../../../src/schemas/filters.ts';
import {
  attributeValue,
  inAudience,
  matchesUserFilter,
  validateAudience,
  validateUserFilter,
  validateUserFilters,
  type Audience,
  type AudienceContext,
} from '../../../src/core/campaigns/audience.ts';
import type { UserRecord } from '../../../src/core/user.ts';
import { EARLIER, NOW, user } from '../fixtures.ts';

const HOUR = 3_600_000;

const ann: UserRecord = user('u-ann', {
  external_id: 'ann-1',
  email: 'ann@example.com',
  phone: '+81312345678',
  line_id: 'U0123456789abcdef0123456789abcdef',
  standard: {
    first_name: 'Ann',
    country: 'JP',
    language: 'ja',
    dob: '1990-05-01',
    time_zone: 'Asia/Tokyo',
    email_subscribe: 'opted_in',
  },
  custom: {
    plan: 'gold',
    visits: 12,
    vip: true,
    tags: ['gift', 'sale'],
    address: { city: 'Osaka', geo: { zip: '530-0001' } },
    created_at: 'custom',
  },
  created_at: EARLIER,
  updated_at: NOW,
  subscriptions: {
    'line-news': { state: 'subscribed', changed_at: EARLIER },
    'sms-promo': { state: 'unsubscribed', changed_at: EARLIER },
  },
});
const bare: UserRecord = user('u-bare');

const segments = new Map<string, Segment>([
  ['jp-users', { id: 'jp-users', filters: [{ attribute: 'country', op: 'eq', value: 'JP' }] }],
  ['everyone', { id: 'everyone', filters: [] }],
  ['us-users', { id: 'us-users', filters: [{ attribute: 'country', op: 'eq', value: 'US' }] }],
]);

function context(received: Record<string, number> = {}): AudienceContext {
  return { segments, now: NOW, lastReceivedAt: (campaignId) => received[campaignId] ?? null };
}

const ctx = context({ welcome: NOW - 2 * HOUR, old: NOW - 30 * 24 * HOUR });

describe('attribute filters', () => {
  test.each<[string, UserFilter, UserRecord, boolean]>([
    ['identifier column', { attribute: 'email', op: 'ends_with', value: '@example.com' }, ann, true],
    ['line_id exists', { attribute: 'line_id', op: 'exists' }, ann, true],
    ['line_id missing', { attribute: 'line_id', op: 'exists' }, bare, false],
    ['external_id', { attribute: 'external_id', op: 'eq', value: 'ann-1' }, ann, true],
    ['phone', { attribute: 'phone', op: 'starts_with', value: '+81' }, ann, true],
    ['standard attribute', { attribute: 'first_name', op: 'eq', value: 'Ann' }, ann, true],
    ['standard attribute, case-sensitive', { attribute: 'country', op: 'eq', value: 'jp' }, ann, false],
    ['standard attribute, ignore_case', { attribute: 'country', op: 'eq', value: 'jp', ignore_case: true }, ann, true],
    ['standard attribute in a list', { attribute: 'language', op: 'in', value: ['ja', 'ko'] }, ann, true],
    ['unset standard attribute: neq matches', { attribute: 'last_name', op: 'neq', value: 'Smith' }, ann, true],
    ['unset standard attribute: eq fails', { attribute: 'gender', op: 'eq', value: 'F' }, ann, false],
    ['email_subscribe', { attribute: 'email_subscribe', op: 'eq', value: 'opted_in' }, ann, true],
    ['time_zone', { attribute: 'time_zone', op: 'eq', value: 'Asia/Tokyo' }, ann, true],
    ['dob before a date', { attribute: 'dob', op: 'lt', value: '2000-01-01' }, ann, true],
    [
      'dob between dates, at the low bound',
      { attribute: 'dob', op: 'between', value: ['1990-05-01', '1990-12-31'] },
      ann,
      true,
    ],
    ['created_at before an instant', { attribute: 'created_at', op: 'lt', value: '2026-01-01T00:00:01Z' }, ann, true],
    [
      'created_at exactly at the instant',
      { attribute: 'created_at', op: 'gte', value: '2026-01-01T09:00:00+09:00' },
      ann,
      true,
    ],
    ['updated_at after an instant', { attribute: 'updated_at', op: 'gt', value: '2026-03-06T12:00:00Z' }, ann, false],
    ['custom by bare name', { attribute: 'plan', op: 'eq', value: 'gold' }, ann, true],
    ['custom by custom. prefix', { attribute: 'custom.plan', op: 'eq', value: 'gold' }, ann, true],
    ['custom number', { attribute: 'visits', op: 'gte', value: 12 }, ann, true],
    ['custom number vs string', { attribute: 'visits', op: 'eq', value: '12' }, ann, false],
    ['custom boolean', { attribute: 'vip', op: 'eq', value: true }, ann, true],
    ['custom array contains', { attribute: 'tags', op: 'contains', value: 'sale' }, ann, true],
    ['custom array not_contains', { attribute: 'custom.tags', op: 'not_contains', value: 'new' }, ann, true],
    ['nested custom, bare', { attribute: 'address.city', op: 'eq', value: 'Osaka' }, ann, true],
    [
      'nested custom, prefixed and deep',
      { attribute: 'custom.address.geo.zip', op: 'regex', value: '^530-' },
      ann,
      true,
    ],
    ['missing custom: exists', { attribute: 'plan', op: 'exists' }, bare, false],
    ['missing custom: not_exists', { attribute: 'plan', op: 'not_exists' }, bare, true],
    ['missing custom: not_in', { attribute: 'plan', op: 'not_in', value: ['gold'] }, bare, true],
    [
      'a standard name reads the standard attribute',
      { attribute: 'created_at', op: 'eq', value: 'custom' },
      ann,
      false,
    ],
    [
      'custom. reaches a custom attribute with a standard name',
      { attribute: 'custom.created_at', op: 'eq', value: 'custom' },
      ann,
      true,
    ],
  ])('%s', (_name, filter, who, expected) => {
    expect(matchesUserFilter(filter, who, ctx)).toBe(expected);
  });

  test('created_at and updated_at read as ISO date-times', () => {
    expect(attributeValue(ann, 'created_at')).toBe('2026-01-01T00:00:00.000Z');
    expect(attributeValue(ann, 'updated_at')).toBe('2026-03-06T12:00:00.000Z');
  });

  test('unset standard attributes read as null; unknown custom ones as undefined', () => {
    expect(attributeValue(bare, 'first_name')).toBeNull();
    expect(attributeValue(bare, 'email')).toBeNull();
    expect(attributeValue(bare, 'plan')).toBeUndefined();
    expect(attributeValue(bare, 'toString')).toBeUndefined();
  });
});

describe('subscription filters', () => {
  test.each<[string, string, 'subscribed' | 'unsubscribed', boolean]>([
    ['subscribed, asked subscribed', 'line-news', 'subscribed', true],
    ['subscribed, asked unsubscribed', 'line-news', 'unsubscribed', false],
    ['unsubscribed, asked unsubscribed', 'sms-promo', 'unsubscribed', true],
    ['unsubscribed, asked subscribed', 'sms-promo', 'subscribed', false],
    ['no record, asked subscribed', 'email-news', 'subscribed', false],
    ['no record, asked unsubscribed', 'email-news', 'unsubscribed', false],
    ['a prototype key is not a record', 'constructor', 'subscribed', false],
  ])('%s', (_name, group, state, expected) => {
    expect(matchesUserFilter({ subscription_group: group, state }, ann, ctx)).toBe(expected);
  });

  test('"not subscribed" includes users with no record', () => {
    const notSubscribed: UserFilter = { not: { subscription_group: 'email-news', state: 'subscribed' } };
    expect(matchesUserFilter(notSubscribed, ann, ctx)).toBe(true);
  });
});

describe('received_campaign filters', () => {
  const within = 3600;
  test.each<[string, number | null, number | undefined, boolean]>([
    ['never received', null, undefined, false],
    ['received at some time', NOW - 365 * 24 * HOUR, undefined, true],
    ['received within the window', NOW - 10_000, within, true],
    ['received exactly at the window start (inclusive)', NOW - within * 1000, within, true],
    ['received one millisecond before the window', NOW - within * 1000 - 1, within, false],
    ['received just now', NOW, within, true],
    ['never received, with a window', null, within, false],
  ])('%s', (_name, receivedAt, withinSeconds, expected) => {
    const filter: UserFilter =
      withinSeconds === undefined
        ? { received_campaign: 'promo' }
        : { received_campaign: 'promo', within_seconds: withinSeconds };
    const received: Record<string, number> = receivedAt === null ? {} : { promo: receivedAt };
    expect(matchesUserFilter(filter, bare, context(received))).toBe(expected);
  });

  test('asks about the named campaign', () => {
    const asked: string[] = [];
    const spy: AudienceContext = {
      ...ctx,
      lastReceivedAt: (id) => {
        asked.push(id);
        return null;
      },
    };
    matchesUserFilter({ received_campaign: 'welcome' }, ann, spy);
    expect(asked).toEqual(['welcome']);
  });
});

describe('all, any, not', () => {
  const jp: UserFilter = { attribute: 'country', op: 'eq', value: 'JP' };
  const gold: UserFilter = { attribute: 'plan', op: 'eq', value: 'gold' };
  const us: UserFilter = { attribute: 'country', op: 'eq', value: 'US' };
  test.each<[string, UserFilter, boolean]>([
    ['all: every one holds', { all: [jp, gold] }, true],
    ['all: one fails', { all: [jp, us] }, false],
    ['any: one holds', { any: [us, gold] }, true],
    ['any: none holds', { any: [us, { attribute: 'plan', op: 'eq', value: 'silver' }] }, false],
    ['not: negates a match', { not: jp }, false],
    ['not: negates a failure', { not: us }, true],
    ['not of not', { not: { not: jp } }, true],
    [
      'nested',
      {
        all: [
          { any: [us, { received_campaign: 'welcome', within_seconds: 3 * 3600 }] },
          { not: { subscription_group: 'sms-promo', state: 'subscribed' } },
        ],
      },
      true,
    ],
    [
      'nested, received too long ago',
      { all: [{ any: [us, { received_campaign: 'old', within_seconds: 3600 }] }] },
      false,
    ],
    ['not of a missing attribute', { not: { attribute: 'nickname', op: 'eq', value: 'x' } }, true],
  ])('%s', (_name, filter, expected) => {
    expect(matchesUserFilter(filter, ann, ctx)).toBe(expected);
  });
});

describe('inAudience', () => {
  test.each<[string, Audience | undefined, UserRecord, boolean]>([
    ['no audience: everyone', undefined, bare, true],
    ['empty audience: everyone', {}, bare, true],
    ['segment holds', { segment: 'jp-users' }, ann, true],
    ['segment fails', { segment: 'us-users' }, ann, false],
    ['segment with no filters', { segment: 'everyone' }, bare, true],
    ['unknown segment: nobody', { segment: 'gone' }, ann, false],
    [
      'unknown segment with filters that hold: still nobody',
      { segment: 'gone', filters: [{ attribute: 'plan', op: 'exists' }] },
      ann,
      false,
    ],
    ['filters only, holding', { filters: [{ attribute: 'line_id', op: 'exists' }] }, ann, true],
    ['filters only, failing', { filters: [{ attribute: 'line_id', op: 'exists' }] }, bare, false],
    [
      'segment and filters both hold',
      {
        segment: 'jp-users',
        filters: [
          { attribute: 'line_id', op: 'exists' },
          { subscription_group: 'line-news', state: 'subscribed' },
        ],
      },
      ann,
      true,
    ],
    [
      'segment holds, a filter fails',
      { segment: 'jp-users', filters: [{ attribute: 'plan', op: 'eq', value: 'silver' }] },
      ann,
      false,
    ],
    [
      'filters hold, segment fails',
      { segment: 'us-users', filters: [{ attribute: 'plan', op: 'eq', value: 'gold' }] },
      ann,
      false,
    ],
    ['empty filter list', { segment: 'jp-users', filters: [] }, ann, true],
  ])('%s', (_name, audience, who, expected) => {
    expect(inAudience(audience, who, ctx)).toBe(expected);
  });
});

describe('validateUserFilter', () => {
  const known = { segments: new Set(['jp-users']), subscriptionGroups: new Set(['line-news']) };

  test.each<[string, UserFilter]>([
    ['attribute filter', { attribute: 'plan', op: 'in', value: ['gold', 'silver'] }],
    ['custom attribute ordered', { attribute: 'custom.visits', op: 'between', value: [1, 10] }],
    ['date attribute ordered by date', { attribute: 'dob', op: 'lt', value: '2000-01-01' }],
    [
      'created_at between instants',
      { attribute: 'created_at', op: 'between', value: ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'] },
    ],
    ['text attribute with text operators', { attribute: 'first_name', op: 'starts_with', value: 'A' }],
    ['known subscription group', { subscription_group: 'line-news', state: 'subscribed' }],
    ['received campaign', { received_campaign: 'welcome', within_seconds: 60 }],
    ['nested', { all: [{ any: [{ not: { attribute: 'plan', op: 'exists' } }] }] }],
  ])('%s is valid', (_name, filter) => {
    expect(validateUserFilter(filter, known)).toBeNull();
  });

  test.each<[string, UserFilter, string]>([
    [
      'bad value',
      { attribute: 'visits', op: 'gt', value: '5' },
      "'value' of a 'gt' filter must be a number or an ISO 8601 date-time such as 2026-03-06T09:00:00Z, got \"5\"",
    ],
    [
      'value on exists',
      { attribute: 'line_id', op: 'exists', value: true },
      "'value' of an 'exists' filter must be left out (it tests whether there is a value at all), got true",
    ],
    [
      'invalid regex',
      { attribute: 'email', op: 'regex', value: '([a-z' },
      "'value' of a 'regex' filter is not a valid regular expression (Invalid regular expression: /([a-z/: Unterminated character class), got \"([a-z\"",
    ],
    [
      'text attribute ordered',
      { attribute: 'country', op: 'gt', value: 5 },
      "'attribute' 'country' holds text, which 'gt' cannot compare; it compares numbers and dates (dob, created_at, updated_at)",
    ],
    [
      'date attribute against a number',
      { attribute: 'created_at', op: 'gt', value: 1767225600000 },
      "'value' must be an ISO 8601 date or date-time such as 2026-03-06, as 'created_at' holds a date, got 1767225600000",
    ],
    [
      'date attribute between numbers',
      { attribute: 'dob', op: 'between', value: [1, 2] },
      "'value' must be an ISO 8601 date or date-time such as 2026-03-06, as 'dob' holds a date, got [1,2]",
    ],
    [
      'empty custom name',
      { attribute: 'custom.', op: 'exists' },
      "'attribute' must name a custom attribute after 'custom.'",
    ],
    [
      'unknown subscription group',
      { subscription_group: 'sms-promo', state: 'subscribed' },
      '\'subscription_group\' names no subscription group: "sms-promo"',
    ],
    [
      'nested error names its path',
      {
        all: [
          { attribute: 'plan', op: 'exists' },
          { any: [{ not: { attribute: 'visits', op: 'between', value: [9, 1] } }] },
        ],
      },
      "'all[1].any[0].not.value' of a 'between' filter must be [low, high] with low ≤ high, got [9,1]",
    ],
  ])('%s is refused', (_name, filter, message) => {
    expect(validateUserFilter(filter, known)).toBe(message);
  });

  test('subscription groups are not checked when none are known', () => {
    expect(validateUserFilter({ subscription_group: 'anything', state: 'unsubscribed' })).toBeNull();
  });

  test('validateUserFilters names the index under the path', () => {
    const filters: UserFilter[] = [
      { attribute: 'plan', op: 'exists' },
      { attribute: 'plan', op: 'in', value: [] },
    ];
    expect(validateUserFilters(filters, known, 'filters')).toBe(
      "'filters[1].value' of an 'in' filter must be a non-empty list of strings, numbers or booleans, got []",
    );
  });
});

describe('validateAudience', () => {
  const known = { segments: new Set(['jp-users']) };
  test.each<[string, Audience | undefined, string | null]>([
    ['no audience', undefined, null],
    ['known segment', { segment: 'jp-users' }, null],
    ['unknown segment', { segment: 'gone' }, '\'audience.segment\' names no saved segment: "gone"'],
    [
      'bad filter',
      { segment: 'jp-users', filters: [{ attribute: 'plan', op: 'eq' }] },
      "'audience.filters[0].value' of an 'eq' filter must be a string, number or boolean, got nothing",
    ],
    ['good filters', { filters: [{ attribute: 'plan', op: 'eq', value: 'gold' }] }, null],
  ])('%s', (_name, audience, expected) => {
    expect(validateAudience(audience, known)).toBe(expected);
  });

  test('segments are not checked when none are known', () => {
    expect(validateAudience({ segment: 'anything' })).toBeNull();
  });
});
