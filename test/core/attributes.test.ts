import { describe, expect, test } from 'vitest';
import {
  applyAttributes,
  MAX_CUSTOM_ATTRIBUTES,
  type AttributeContext,
  type AttributeOutcome,
} from '../../src/core/attributes.ts';
import type { UserRecord } from '../../src/core/user.ts';
import { EARLIER, NOW, groups, snapshot, user } from './fixtures.ts';

const ctx: AttributeContext = { defaultCountry: 'US', now: NOW, groups: groups('sms-marketing', 'email-news') };
const jp: AttributeContext = { ...ctx, defaultCountry: 'JP' };

function apply(
  attributes: Record<string, unknown>,
  original: UserRecord = user('u1'),
  context = ctx,
): AttributeOutcome {
  const result = applyAttributes(original, attributes, context);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.outcome;
}

function refuse(attributes: Record<string, unknown>, original: UserRecord = user('u1'), context = ctx): string {
  const before = snapshot(original);
  const result = applyAttributes(original, attributes, context);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.outcome.user)}`);
  expect(original).toEqual(before);
  return result.error;
}

describe('the result', () => {
  test('is a changed copy; the original is left alone', () => {
    const original = user('u1', {
      email: 'a@example.com',
      standard: { first_name: 'Ann' },
      custom: { tags: ['a'], n: 1 },
      subscriptions: { 'sms-marketing': { state: 'unsubscribed', changed_at: EARLIER } },
      aliases: [{ alias_label: 'crm', alias_name: '1' }],
    });
    const before = snapshot(original);
    const { user: changed } = apply(
      {
        first_name: 'Bob',
        email: 'b@example.com',
        tags: { add: ['b'] },
        n: { inc: 1 },
        subscription_groups: [{ subscription_group_id: 'sms-marketing', subscription_state: 'subscribed' }],
      },
      original,
    );
    expect(original).toEqual(before);
    expect(changed).not.toBe(original);
    expect(changed.standard).not.toBe(original.standard);
    expect(changed.custom).not.toBe(original.custom);
    expect(changed.subscriptions).not.toBe(original.subscriptions);
    expect(changed).toMatchObject({
      email: 'b@example.com',
      standard: { first_name: 'Bob' },
      custom: { tags: ['a', 'b'], n: 2 },
      subscriptions: { 'sms-marketing': { state: 'subscribed', changed_at: NOW } },
    });
  });

  test('keeps every field it was not asked to change', () => {
    const original = user('u1', {
      external_id: 'e1',
      email: 'a@example.com',
      phone: '+14155552671',
      line_id: `U${'a'.repeat(32)}`,
      standard: { first_name: 'Ann', country: 'JP' },
      custom: { plan: 'gold' },
      last_interacted_channel: 'line-main',
      aliases: [{ alias_label: 'crm', alias_name: '1' }],
    });
    const { user: changed } = apply({ last_name: 'Lee' }, original);
    expect(changed).toEqual({
      ...original,
      standard: { first_name: 'Ann', country: 'JP', last_name: 'Lee' },
      updated_at: NOW,
    });
  });

  test('updated_at is set to ctx.now, created_at is kept', () => {
    const { user: changed } = apply({ first_name: 'A' });
    expect(changed.updated_at).toBe(NOW);
    expect(changed.created_at).toBe(EARLIER);
  });

  test('an empty attributes object still touches updated_at and changes nothing else', () => {
    const original = user('u1');
    expect(apply({}, original)).toEqual({ user: { ...original, updated_at: NOW }, subscriptionChanges: [] });
  });

  test('an error changes nothing even when earlier fields were valid', () => {
    const original = user('u1', { standard: { first_name: 'Ann' }, custom: { n: 1 } });
    const error = refuse({ first_name: 'Bob', n: { inc: 1 }, gender: 'X' }, original);
    expect(error).toBe("'gender' must be one of M, F, O, N, P or null");
    expect(original.standard.first_name).toBe('Ann');
    expect(original.custom.n).toBe(1);
  });

  test('the first invalid field is the one named', () => {
    expect(refuse({ gender: 'X', country: 'XX' })).toContain("'gender'");
    expect(refuse({ country: 'XX', gender: 'X' })).toContain("'country'");
  });
});

describe('control keys', () => {
  test('external_id, user_alias, braze_id and _update_existing_only are never stored', () => {
    const original = user('u1', { external_id: 'e1' });
    const { user: changed } = apply(
      {
        external_id: 'other',
        user_alias: { alias_label: 'l', alias_name: 'n' },
        braze_id: 'b',
        _update_existing_only: false,
      },
      original,
    );
    expect(changed.external_id).toBe('e1');
    expect(changed.aliases).toEqual([]);
    expect(changed.id).toBe('u1');
    expect(changed.custom).toEqual({});
    expect(changed.standard).toEqual({});
  });
});

describe('text fields', () => {
  test.each(['first_name', 'last_name', 'home_city'])('%s: a string is stored, null clears', (key) => {
    expect(apply({ [key]: 'Tokyo' }).user.standard).toEqual({ [key]: 'Tokyo' });
    const original = user('u1', { standard: { [key]: 'Old' } });
    expect(apply({ [key]: null }, original).user.standard).toEqual({ [key]: null });
  });

  test.each(['first_name', 'last_name', 'home_city'])('%s: 255 characters pass, 256 are refused', (key) => {
    expect(apply({ [key]: 'x'.repeat(255) }).user.standard[key as 'first_name']).toBe('x'.repeat(255));
    expect(refuse({ [key]: 'x'.repeat(256) })).toBe(`'${key}' is longer than 255 characters`);
  });

  test.each([1, true, ['a'], { a: 1 }])('first_name %j is refused as not a string', (value) => {
    expect(refuse({ first_name: value })).toBe("'first_name' must be a string or null");
  });

  test('an empty string is stored as is', () => {
    expect(apply({ home_city: '' }).user.standard.home_city).toBe('');
  });
});

describe('email', () => {
  test('is trimmed and lower-cased', () => {
    expect(apply({ email: '  Ann.Lee@Example.COM ' }).user.email).toBe('ann.lee@example.com');
  });

  test('null clears it', () => {
    expect(apply({ email: null }, user('u1', { email: 'a@example.com' })).user.email).toBeNull();
  });

  test('replaces an existing email', () => {
    expect(apply({ email: 'new@example.com' }, user('u1', { email: 'old@example.com' })).user.email).toBe(
      'new@example.com',
    );
  });

  test.each(['not-an-email', 'a@b', '@example.com', 'a b@example.com', '', 'a@@example.com'])(
    '%j is refused',
    (value) => {
      expect(refuse({ email: value })).toBe(`'email' is not an email address: ${JSON.stringify(value)}`);
    },
  );

  test('a non-string is refused', () => {
    expect(refuse({ email: 42 })).toBe("'email' is not an email address: 42");
  });

  test('longer than 254 characters is refused', () => {
    const email = `${'a'.repeat(243)}@example.com`; // 255 characters
    expect(refuse({ email })).toContain("'email' is not an email address");
    const fits = `${'a'.repeat(242)}@example.com`; // 254 characters
    expect(apply({ email: fits }).user.email).toBe(fits);
  });
});

describe('phone', () => {
  test('an E.164 number is stored as E.164', () => {
    expect(apply({ phone: '+81 90-1234-5678' }).user.phone).toBe('+819012345678');
  });

  test('a national number is read in the default country US', () => {
    expect(apply({ phone: '(415) 555-2671' }).user.phone).toBe('+14155552671');
  });

  test('a national number is read in the default country JP', () => {
    expect(apply({ phone: '090-1234-5678' }, user('u1'), jp).user.phone).toBe('+819012345678');
  });

  test('a Japanese national number is refused when the default country is US', () => {
    expect(refuse({ phone: '090-1234-5678' })).toBe(
      "'phone' '090-1234-5678' is not a phone number (read with default country US)",
    );
  });

  test('an impossible number for its country code is refused', () => {
    expect(refuse({ phone: '+1 999 555 0123' })).toBe(
      "'phone' '+1 999 555 0123' is not a valid number for its country code",
    );
  });

  test('garbage and empty strings are refused', () => {
    expect(refuse({ phone: 'abc' })).toContain("'phone' 'abc' is not a phone number");
    expect(refuse({ phone: '  ' })).toBe("'phone' is empty");
  });

  test('a non-string is refused', () => {
    expect(refuse({ phone: 4155552671 })).toBe("'phone' must be a string or null");
  });

  test('null clears it', () => {
    expect(apply({ phone: null }, user('u1', { phone: '+14155552671' })).user.phone).toBeNull();
  });
});

describe('line_id / native_line_id', () => {
  const lineId = `U${'0123456789abcdef'.repeat(2)}`;

  test.each(['line_id', 'native_line_id'])('%s: a LINE user ID is stored as line_id', (key) => {
    expect(apply({ [key]: lineId }).user.line_id).toBe(lineId);
  });

  test.each(['line_id', 'native_line_id'])('%s: null clears it', (key) => {
    expect(apply({ [key]: null }, user('u1', { line_id: lineId })).user.line_id).toBeNull();
  });

  test.each([
    ['upper-case hex', `U${'ABCDEF0123456789'.repeat(2)}`],
    ['too short', `U${'a'.repeat(31)}`],
    ['too long', `U${'a'.repeat(33)}`],
    ['wrong prefix', `C${'a'.repeat(32)}`],
    ['lower-case prefix', `u${'a'.repeat(32)}`],
    ['non-hex', `U${'g'.repeat(32)}`],
    ['empty', ''],
    ['a number', 12],
  ])('%s is refused', (_name, value) => {
    expect(refuse({ line_id: value })).toBe(
      "'line_id' must be a LINE user ID ('U' followed by 32 lower-case hex characters) or null",
    );
  });

  test('the error names native_line_id when that key was sent', () => {
    expect(refuse({ native_line_id: 'nope' })).toContain("'native_line_id' must be a LINE user ID");
  });
});

describe('dob', () => {
  test.each(['1990-02-28', '2024-02-29', '2000-12-31', '1900-01-01'])('%s is stored', (dob) => {
    expect(apply({ dob }).user.standard.dob).toBe(dob);
  });

  test.each([
    ['Feb 29 in a non-leap year', '2023-02-29'],
    ['Feb 30', '2024-02-30'],
    ['April 31', '2023-04-31'],
    ['month 13', '2023-13-01'],
    ['month 00', '2023-00-10'],
    ['day 00', '2023-01-00'],
    ['a date-time', '1990-02-28T00:00:00Z'],
    ['US order', '02/28/1990'],
    ['no padding', '1990-2-8'],
    ['garbage', 'yesterday'],
    ['a number', 19900228],
  ])('%s is refused', (_name, dob) => {
    expect(refuse({ dob })).toBe("'dob' must be a date YYYY-MM-DD or null");
  });

  test('null clears it', () => {
    expect(apply({ dob: null }, user('u1', { standard: { dob: '1990-01-01' } })).user.standard.dob).toBeNull();
  });
});

describe('gender', () => {
  test.each(['M', 'F', 'O', 'N', 'P'])('%s is stored', (gender) => {
    expect(apply({ gender }).user.standard.gender).toBe(gender);
  });

  test.each([
    ['m', 'M'],
    ['f', 'F'],
    ['p', 'P'],
  ])('lower-case %s is stored upper-case', (sent, stored) => {
    expect(apply({ gender: sent }).user.standard.gender).toBe(stored);
  });

  test.each(['X', 'male', '', 'MF', 1])('%j is refused', (gender) => {
    expect(refuse({ gender })).toBe("'gender' must be one of M, F, O, N, P or null");
  });

  test('null clears it', () => {
    expect(apply({ gender: null }, user('u1', { standard: { gender: 'F' } })).user.standard.gender).toBeNull();
  });
});

describe('country', () => {
  test.each([
    ['JP', 'JP'],
    ['jp', 'JP'],
    ['Us', 'US'],
    ['gb', 'GB'],
  ])('%s is stored as %s', (sent, stored) => {
    expect(apply({ country: sent }).user.standard.country).toBe(stored);
  });

  test.each(['XX', 'EU', 'UN', 'ZZ', 'JPN', 'Japan', 'J', '', '81'])('%j is refused', (country) => {
    expect(refuse({ country })).toBe(
      `'country' must be an ISO 3166-1 alpha-2 code such as JP, got ${JSON.stringify(country)}`,
    );
  });

  test('a non-string is refused', () => {
    expect(refuse({ country: 81 })).toBe("'country' must be an ISO 3166-1 alpha-2 code such as JP, got 81");
  });

  test('null clears it', () => {
    expect(apply({ country: null }, user('u1', { standard: { country: 'JP' } })).user.standard.country).toBeNull();
  });
});

describe('language', () => {
  test.each([
    ['ja', 'ja'],
    ['JA', 'ja'],
    ['En', 'en'],
    ['zh', 'zh'],
  ])('%s is stored as %s', (sent, stored) => {
    expect(apply({ language: sent }).user.standard.language).toBe(stored);
  });

  test.each(['xx', 'jpn', 'ja-JP', 'j', '', 'english'])('%j is refused', (language) => {
    expect(refuse({ language })).toBe(
      `'language' must be an ISO 639-1 code such as ja, got ${JSON.stringify(language)}`,
    );
  });

  test('null clears it', () => {
    expect(apply({ language: null }, user('u1', { standard: { language: 'ja' } })).user.standard.language).toBeNull();
  });
});

describe('time_zone', () => {
  test.each(['Asia/Tokyo', 'America/New_York', 'Europe/London', 'UTC', 'Etc/GMT+9'])('%s is stored as sent', (zone) => {
    expect(apply({ time_zone: zone }).user.standard.time_zone).toBe(zone);
  });

  test.each(['Mars/Base', '+09:00', '-05:00', 'GMT+9', 'Tokyo', '', 'Z'])('%j is refused', (zone) => {
    expect(refuse({ time_zone: zone })).toBe(
      `'time_zone' must be an IANA time zone name such as Asia/Tokyo, got ${JSON.stringify(zone)}`,
    );
  });

  test('a non-string is refused', () => {
    expect(refuse({ time_zone: 9 })).toContain("'time_zone' must be an IANA time zone name");
  });

  test('null clears it', () => {
    expect(
      apply({ time_zone: null }, user('u1', { standard: { time_zone: 'Asia/Tokyo' } })).user.standard.time_zone,
    ).toBeNull();
  });
});

describe('email_subscribe', () => {
  test.each(['opted_in', 'subscribed', 'unsubscribed'] as const)('%s is stored', (state) => {
    expect(apply({ email_subscribe: state }).user.standard.email_subscribe).toBe(state);
  });

  test.each(['OPTED_IN', 'opted-in', 'yes', '', true])('%j is refused', (state) => {
    expect(refuse({ email_subscribe: state })).toBe(
      "'email_subscribe' must be one of opted_in, subscribed, unsubscribed",
    );
  });

  test('null clears it', () => {
    expect(
      apply({ email_subscribe: null }, user('u1', { standard: { email_subscribe: 'opted_in' } })).user.standard
        .email_subscribe,
    ).toBeNull();
  });
});

describe('unsupported Braze attributes', () => {
  test.each([
    'push_subscribe',
    'push_tokens',
    'push_token_import',
    'current_location',
    'date_of_first_session',
    'date_of_last_session',
    'facebook',
    'twitter',
    'image_url',
    'marked_email_as_spam_at',
    'email_open_tracking_disabled',
    'email_click_tracking_disabled',
    'use_double_opt_in_logic',
  ])('%s is refused, not stored as a custom attribute', (key) => {
    expect(refuse({ [key]: 'x' })).toBe(`'${key}' is a Braze attribute that Tidings does not support`);
  });

  test('an unsupported attribute is refused even with a null value', () => {
    expect(refuse({ push_subscribe: null })).toBe(
      "'push_subscribe' is a Braze attribute that Tidings does not support",
    );
  });
});

describe('subscription_groups', () => {
  const sub = (subscription_group_id: unknown, subscription_state: unknown) => ({
    subscription_group_id,
    subscription_state,
  });

  test('a first state is a transition from null', () => {
    const outcome = apply({ subscription_groups: [sub('sms-marketing', 'subscribed')] });
    expect(outcome.user.subscriptions).toEqual({ 'sms-marketing': { state: 'subscribed', changed_at: NOW } });
    expect(outcome.subscriptionChanges).toEqual([{ group_id: 'sms-marketing', state: 'subscribed', previous: null }]);
  });

  test('a change reports the previous state', () => {
    const original = user('u1', { subscriptions: { 'sms-marketing': { state: 'subscribed', changed_at: EARLIER } } });
    const outcome = apply({ subscription_groups: [sub('sms-marketing', 'unsubscribed')] }, original);
    expect(outcome.user.subscriptions['sms-marketing']).toEqual({ state: 'unsubscribed', changed_at: NOW });
    expect(outcome.subscriptionChanges).toEqual([
      { group_id: 'sms-marketing', state: 'unsubscribed', previous: 'subscribed' },
    ]);
  });

  test('an unchanged state is no transition and keeps its changed_at', () => {
    const original = user('u1', { subscriptions: { 'sms-marketing': { state: 'subscribed', changed_at: EARLIER } } });
    const outcome = apply({ subscription_groups: [sub('sms-marketing', 'subscribed')] }, original);
    expect(outcome.subscriptionChanges).toEqual([]);
    expect(outcome.user.subscriptions).toEqual({ 'sms-marketing': { state: 'subscribed', changed_at: EARLIER } });
  });

  test('several groups in one object, other groups untouched', () => {
    const original = user('u1', { subscriptions: { other: { state: 'subscribed', changed_at: EARLIER } } });
    const outcome = apply(
      { subscription_groups: [sub('sms-marketing', 'subscribed'), sub('email-news', 'unsubscribed')] },
      original,
    );
    expect(outcome.user.subscriptions).toEqual({
      other: { state: 'subscribed', changed_at: EARLIER },
      'sms-marketing': { state: 'subscribed', changed_at: NOW },
      'email-news': { state: 'unsubscribed', changed_at: NOW },
    });
    expect(outcome.subscriptionChanges).toEqual([
      { group_id: 'sms-marketing', state: 'subscribed', previous: null },
      { group_id: 'email-news', state: 'unsubscribed', previous: null },
    ]);
  });

  test('the same group twice: each entry sees the one before it', () => {
    const outcome = apply({
      subscription_groups: [sub('sms-marketing', 'subscribed'), sub('sms-marketing', 'unsubscribed')],
    });
    expect(outcome.subscriptionChanges).toEqual([
      { group_id: 'sms-marketing', state: 'subscribed', previous: null },
      { group_id: 'sms-marketing', state: 'unsubscribed', previous: 'subscribed' },
    ]);
    expect(outcome.user.subscriptions['sms-marketing']!.state).toBe('unsubscribed');
  });

  test('an empty list changes nothing', () => {
    expect(apply({ subscription_groups: [] }).subscriptionChanges).toEqual([]);
  });

  test('an unknown group is refused with its index', () => {
    expect(refuse({ subscription_groups: [sub('sms-marketing', 'subscribed'), sub('nope', 'subscribed')] })).toBe(
      `'subscription_groups[1].subscription_group_id' names no subscription group: "nope"`,
    );
  });

  test('a missing group id is refused', () => {
    expect(refuse({ subscription_groups: [{ subscription_state: 'subscribed' }] })).toBe(
      "'subscription_groups[0].subscription_group_id' names no subscription group: undefined",
    );
  });

  test.each(['opted_in', 'SUBSCRIBED', '', null, true])('state %j is refused', (state) => {
    expect(refuse({ subscription_groups: [sub('sms-marketing', state)] })).toBe(
      "'subscription_groups[0].subscription_state' must be subscribed or unsubscribed",
    );
  });

  test.each([null, 'sms-marketing'])('a non-object entry %j is refused', (entry) => {
    expect(refuse({ subscription_groups: [entry] })).toContain(
      "'subscription_groups[0].subscription_group_id' names no subscription group",
    );
  });

  test.each([{}, 'sms-marketing', null])('a non-array value %j is refused', (value) => {
    expect(refuse({ subscription_groups: value })).toBe(
      "'subscription_groups' must be an array of {subscription_group_id, subscription_state}",
    );
  });

  test('a bad second entry discards the first entry too', () => {
    const original = user('u1');
    refuse({ subscription_groups: [sub('sms-marketing', 'subscribed'), sub('email-news', 'maybe')] }, original);
    expect(original.subscriptions).toEqual({});
  });

  test('a group that exists in the profile but not in ctx.groups is refused', () => {
    const original = user('u1', { subscriptions: { retired: { state: 'subscribed', changed_at: EARLIER } } });
    expect(refuse({ subscription_groups: [sub('retired', 'unsubscribed')] }, original)).toContain(
      'names no subscription group',
    );
  });
});

describe('custom attributes', () => {
  test('any other key is a custom attribute, with the custom-attribute rules', () => {
    const original = user('u1', { custom: { visits: 2, tags: ['a'], gone: 'x' } });
    const { user: changed } = apply(
      { plan: 'gold', visits: { inc: 3 }, tags: { add: ['b'] }, gone: null, book: { title: 'x' } },
      original,
    );
    expect(changed.custom).toEqual({ plan: 'gold', visits: 5, tags: ['a', 'b'], book: { title: 'x' } });
    expect('gone' in changed.custom).toBe(false);
  });

  test('null on a missing custom attribute leaves no key', () => {
    expect(apply({ never: null }).user.custom).toEqual({});
  });

  test('a key starting with $ is refused', () => {
    expect(refuse({ $x: 1 })).toBe("custom attribute '$x' must not start with '$'");
  });

  test('a $ elsewhere in the key is fine', () => {
    expect(apply({ price$: 1 }).user.custom).toEqual({ price$: 1 });
  });

  test('an empty key is refused', () => {
    expect(refuse({ '': 1 })).toBe('custom attribute names must be 1 to 255 characters long');
  });

  test('a key of 255 characters passes, 256 is refused', () => {
    expect(apply({ ['k'.repeat(255)]: 1 }).user.custom).toEqual({ ['k'.repeat(255)]: 1 });
    expect(refuse({ ['k'.repeat(256)]: 1 })).toBe('custom attribute names must be 1 to 255 characters long');
  });

  test('a custom-attribute error is passed through', () => {
    expect(refuse({ visits: { inc: 1 } }, user('u1', { custom: { visits: 'many' } }))).toBe(
      "custom attribute 'visits' cannot be incremented: its current value is a string, not a number",
    );
  });

  // Regression (found by these tests, fixed): custom attributes live in a plain object, so a key that names an Object.prototype member
  // ('constructor', 'toString', …) reads the inherited function as its "current value".
  // Braze: {"inc": n} on a missing attribute sets n, whatever the attribute is called.
  test('{"inc": 1} on a missing attribute named "constructor" gives 1', () => {
    const parsed = JSON.parse('{"constructor": {"inc": 1}}') as Record<string, unknown>;
    expect(apply(parsed).user.custom).toEqual({ constructor: 1 });
  });

  test('{"add": [...]} on a missing attribute named "toString" creates the array', () => {
    const parsed = JSON.parse('{"toString": {"add": ["a"]}}') as Record<string, unknown>;
    expect(Object.entries(apply(parsed).user.custom)).toEqual([['toString', ['a']]]);
  });

  // Regression (found by these tests, fixed): a JSON body may carry "__proto__" as an own key; `custom[key] = value` then sets the
  // prototype of the custom object instead of storing the attribute (the value is silently lost,
  // and with an object value its keys appear inherited on the profile's custom attributes).
  test('a custom attribute named "__proto__" is stored or refused, never silently dropped', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    const result = applyAttributes(user('u1'), parsed, ctx);
    if (result.ok) {
      expect(Object.getPrototypeOf(result.outcome.user.custom)).toBe(Object.prototype);
      expect(Object.keys(result.outcome.user.custom)).toEqual(['__proto__']);
    }
  });
});

describe('at most 1,000 custom attributes per user', () => {
  const keys = (n: number, from = 0) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${from + i}`, i]));

  test('the 1,000th is accepted, the 1,001st refused and nothing of the object applied', () => {
    expect(MAX_CUSTOM_ATTRIBUTES).toBe(1000);
    const full = apply(keys(1000)).user;
    expect(Object.keys(full.custom)).toHaveLength(1000);
    expect(refuse({ first_name: 'Ann', extra: 1 }, full)).toBe(
      "custom attribute 'extra' would be more than the 1000 custom attributes a user may have",
    );
    expect(refuse(keys(1001))).toContain("'k1000' would be more than the 1000");
  });

  test('a full profile can still change its attributes, and removing one makes room', () => {
    const full = apply(keys(1000)).user;
    expect(apply({ k0: 'changed' }, full).user.custom.k0).toBe('changed');
    const changed = apply({ k0: null, extra: 1 }, full).user;
    expect(Object.keys(changed.custom)).toHaveLength(1000);
    expect(changed.custom.extra).toBe(1);
    expect(changed.custom.k0).toBeUndefined();
  });
});
