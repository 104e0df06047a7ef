import { describe, expect, test } from 'vitest';
import {
  describeRef,
  emptyUserKeys,
  keysForRefs,
  normalizeEmail,
  pickSharedProfile,
  refFromObject,
  UserIndex,
  type UserRef,
} from '../../src/core/identifiers.ts';
import { EARLIER, NOW, user } from './fixtures.ts';

const ALIAS = { alias_label: 'crm', alias_name: '42' };
const T1 = Date.UTC(2025, 0, 1);
const T2 = Date.UTC(2025, 6, 1);

describe('normalizeEmail', () => {
  test.each([
    ['Ann@Example.com', 'ann@example.com'],
    ['  a.b+tag@sub.example.co.jp  ', 'a.b+tag@sub.example.co.jp'],
    ['X@Y.Z', 'x@y.z'],
  ])('%j → %j', (input, output) => {
    expect(normalizeEmail(input)).toBe(output);
  });

  test.each(['', '   ', 'plain', 'a@b', '@b.c', 'a@.c', 'a b@c.d', 'a@b c.d', 'a@@b.c', 'a@b.'])(
    '%j is not an email',
    (input) => {
      expect(normalizeEmail(input)).toBeNull();
    },
  );

  test.each([
    ['a@ + 60,000 dots + @', `a@${'.'.repeat(60_000)}@`],
    ['60,000 characters of local part', `${'a'.repeat(60_000)}@example.com`],
    ['a domain of 60,000 dots', `a@${'.'.repeat(60_000)}`],
    ['two @', 'a@b@c.d'],
  ])('%s is refused in linear time', (_name, input) => {
    const started = performance.now();
    expect(normalizeEmail(input)).toBeNull();
    expect(performance.now() - started).toBeLessThan(50);
  });

  test('at most 254 characters', () => {
    expect(normalizeEmail(`${'a'.repeat(242)}@example.com`)).toHaveLength(254);
    expect(normalizeEmail(`${'a'.repeat(243)}@example.com`)).toBeNull();
  });
});

describe('describeRef', () => {
  test.each<[UserRef, string]>([
    [{ kind: 'external_id', value: 'e1' }, "external_id 'e1'"],
    [{ kind: 'braze_id', value: 'b1' }, "braze_id 'b1'"],
    [{ kind: 'email', value: 'a@b.c' }, "email 'a@b.c'"],
    [{ kind: 'phone', value: '+14155552671' }, "phone '+14155552671'"],
    [{ kind: 'user_alias', alias: ALIAS }, 'user_alias crm=42'],
  ])('%j → %s', (ref, text) => {
    expect(describeRef(ref)).toBe(text);
  });
});

describe('refFromObject', () => {
  test.each<[string, Record<string, unknown>, UserRef]>([
    ['external_id', { external_id: 'e1' }, { kind: 'external_id', value: 'e1' }],
    ['user_alias', { user_alias: ALIAS }, { kind: 'user_alias', alias: ALIAS }],
    ['braze_id', { braze_id: 'b1' }, { kind: 'braze_id', value: 'b1' }],
    ['email', { email: 'a@example.com' }, { kind: 'email', value: 'a@example.com' }],
    ['phone', { phone: '+14155552671' }, { kind: 'phone', value: '+14155552671' }],
  ])('reads %s', (_name, item, ref) => {
    expect(refFromObject(item, 'US')).toEqual({ ok: true, ref });
  });

  test('external_id, user_alias and braze_id win over email and phone', () => {
    const contact = { email: 'a@example.com', phone: '+14155552671' };
    expect(refFromObject({ external_id: 'e1', ...contact }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'external_id', value: 'e1' },
    });
    expect(refFromObject({ user_alias: ALIAS, ...contact }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'user_alias', alias: ALIAS },
    });
    expect(refFromObject({ braze_id: 'b1', ...contact }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'braze_id', value: 'b1' },
    });
  });

  test('an invalid email does not matter when an external_id names the user', () => {
    expect(refFromObject({ external_id: 'e1', email: 'nope', phone: 'nope' }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'external_id', value: 'e1' },
    });
  });

  test('email wins over phone', () => {
    expect(refFromObject({ phone: '+14155552671', email: 'a@example.com' }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'email', value: 'a@example.com' },
    });
  });

  test('an invalid email is an error, even with a valid phone beside it', () => {
    expect(refFromObject({ email: 'nope', phone: '+14155552671' }, 'US')).toEqual({
      ok: false,
      error: "'email' is not an email address: 'nope'",
    });
  });

  test('a null email falls through to the phone', () => {
    expect(refFromObject({ email: null, phone: '+14155552671' }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'phone', value: '+14155552671' },
    });
  });

  test('the email is normalised', () => {
    expect(refFromObject({ email: ' Ann@Example.COM ' }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'email', value: 'ann@example.com' },
    });
  });

  test('the phone is normalised to E.164 with the default country', () => {
    expect(refFromObject({ phone: '(415) 555-2671' }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'phone', value: '+14155552671' },
    });
    expect(refFromObject({ phone: '090-1234-5678' }, 'JP')).toEqual({
      ok: true,
      ref: { kind: 'phone', value: '+819012345678' },
    });
  });

  test('a bad phone is an error naming the default country', () => {
    expect(refFromObject({ phone: '090-1234-5678' }, 'US')).toEqual({
      ok: false,
      error: "'phone' '090-1234-5678' is not a phone number (read with default country US)",
    });
    expect(refFromObject({ phone: '' }, 'US')).toEqual({ ok: false, error: "'phone' is empty" });
  });

  test('a phone longer than any phone number is refused before it is parsed', () => {
    expect(refFromObject({ phone: '1'.repeat(60_000) }, 'US')).toEqual({
      ok: false,
      error: "'phone' is 60000 characters long; a phone number has at most 100",
    });
    expect(refFromObject({ email: `a@${'.'.repeat(60_000)}@` }, 'US')).toEqual({
      ok: false,
      error: `'email' is not an email address: 'a@${'.'.repeat(62)}…(60003 characters)'`,
    });
  });

  test.each([
    [{ external_id: 'e1', user_alias: ALIAS }, 'external_id, user_alias'],
    [{ external_id: 'e1', braze_id: 'b1' }, 'external_id, braze_id'],
    [{ user_alias: ALIAS, braze_id: 'b1' }, 'user_alias, braze_id'],
    [{ braze_id: 'b1', user_alias: ALIAS, external_id: 'e1' }, 'external_id, user_alias, braze_id'],
  ])('%j is refused: only one may name the user', (item, got) => {
    expect(refFromObject(item, 'US')).toEqual({
      ok: false,
      error: `only one of 'external_id', 'user_alias', 'braze_id' may name the user (got ${got})`,
    });
  });

  test('null identifiers count as absent', () => {
    expect(refFromObject({ external_id: null, user_alias: null, braze_id: 'b1' }, 'US')).toEqual({
      ok: true,
      ref: { kind: 'braze_id', value: 'b1' },
    });
  });

  test('no identifier at all is an error', () => {
    const error = { ok: false, error: "'external_id' or 'braze_id' or 'user_alias' or 'email' or 'phone' is required" };
    expect(refFromObject({}, 'US')).toEqual(error);
    expect(refFromObject({ first_name: 'A', external_id: null }, 'US')).toEqual(error);
  });
});

describe('pickSharedProfile', () => {
  test('no candidates gives undefined', () => {
    expect(pickSharedProfile([])).toBeUndefined();
  });

  test('an identified profile is preferred over a more recently updated anonymous one', () => {
    const anon = user('anon', { updated_at: NOW });
    const known = user('known', { external_id: 'e', updated_at: EARLIER });
    expect(pickSharedProfile([anon, known])?.id).toBe('known');
    expect(pickSharedProfile([known, anon])?.id).toBe('known');
  });

  test('among identified profiles the most recently updated wins', () => {
    const a = user('a', { external_id: 'a', updated_at: T1 });
    const b = user('b', { external_id: 'b', updated_at: T2 });
    const anon = user('anon', { updated_at: NOW });
    expect(pickSharedProfile([b, anon, a])?.id).toBe('b');
    expect(pickSharedProfile([a, anon, b])?.id).toBe('b');
  });

  test('with no identified profile the most recently updated wins', () => {
    const a = user('a', { updated_at: T2 });
    const b = user('b', { updated_at: T1 });
    expect(pickSharedProfile([a, b])?.id).toBe('a');
    expect(pickSharedProfile([b, a])?.id).toBe('a');
  });

  test('a tie is broken by id so the pick does not depend on order', () => {
    const a = user('a', { updated_at: T1 });
    const b = user('b', { updated_at: T1 });
    expect(pickSharedProfile([a, b])?.id).toBe('b');
    expect(pickSharedProfile([b, a])?.id).toBe('b');
  });

  test('returns the record itself', () => {
    const only = user('only');
    expect(pickSharedProfile([only])).toBe(only);
  });
});

describe('UserIndex', () => {
  const alice = () =>
    user('u-alice', { external_id: 'alice', email: 'alice@example.com', phone: '+14155552671', aliases: [ALIAS] });
  const bob = () => user('u-bob', { external_id: 'bob', aliases: [{ alias_label: 'crm', alias_name: '7' }] });

  test('resolves each kind of reference', () => {
    const a = alice();
    const index = new UserIndex([a, bob()]);
    expect(index.resolve({ kind: 'external_id', value: 'alice' })).toBe(a);
    expect(index.resolve({ kind: 'braze_id', value: 'u-alice' })).toBe(a);
    expect(index.resolve({ kind: 'user_alias', alias: { alias_label: 'crm', alias_name: '42' } })).toBe(a);
    expect(index.resolve({ kind: 'email', value: 'alice@example.com' })).toBe(a);
    expect(index.resolve({ kind: 'phone', value: '+14155552671' })).toBe(a);
    expect(index.resolve({ kind: 'user_alias', alias: { alias_label: 'crm', alias_name: '7' } })?.id).toBe('u-bob');
  });

  test('unknown references resolve to undefined', () => {
    const index = new UserIndex([alice()]);
    expect(index.resolve({ kind: 'external_id', value: 'nobody' })).toBeUndefined();
    expect(index.resolve({ kind: 'braze_id', value: 'alice' })).toBeUndefined();
    expect(index.resolve({ kind: 'user_alias', alias: { alias_label: 'crm', alias_name: 'x' } })).toBeUndefined();
    expect(index.resolve({ kind: 'user_alias', alias: { alias_label: 'other', alias_name: '42' } })).toBeUndefined();
    expect(index.resolve({ kind: 'email', value: 'x@example.com' })).toBeUndefined();
    expect(index.resolve({ kind: 'phone', value: '+819012345678' })).toBeUndefined();
  });

  test('an empty index resolves nothing and lists nothing', () => {
    const index = new UserIndex();
    expect(index.all()).toEqual([]);
    expect(index.get('x')).toBeUndefined();
    expect(index.resolve({ kind: 'email', value: 'a@b.c' })).toBeUndefined();
  });

  test('get and all', () => {
    const a = alice(),
      b = bob();
    const index = new UserIndex([a, b]);
    expect(index.get('u-bob')).toBe(b);
    expect(index.all()).toEqual([a, b]);
  });

  test('email and phone use the shared-profile rule', () => {
    const anon = user('anon', { email: 's@example.com', updated_at: NOW });
    const known = user('known', { external_id: 'k', email: 's@example.com', updated_at: EARLIER });
    expect(new UserIndex([anon, known]).resolve({ kind: 'email', value: 's@example.com' })?.id).toBe('known');
  });

  test('put() of a changed copy re-indexes a changed external_id', () => {
    const a = alice();
    const index = new UserIndex([a]);
    const renamed = { ...a, external_id: 'alice-2' };
    index.put(renamed);
    expect(index.resolve({ kind: 'external_id', value: 'alice' })).toBeUndefined();
    expect(index.resolve({ kind: 'external_id', value: 'alice-2' })).toBe(renamed);
    expect(index.get('u-alice')).toBe(renamed);
    expect(index.all()).toHaveLength(1);
  });

  test('put() of a changed copy re-indexes when the external_id is removed', () => {
    const a = alice();
    const index = new UserIndex([a]);
    index.put({ ...a, external_id: null });
    expect(index.resolve({ kind: 'external_id', value: 'alice' })).toBeUndefined();
  });

  test('put() of a changed copy re-indexes changed aliases', () => {
    const a = alice();
    const index = new UserIndex([a]);
    const moved = {
      ...a,
      aliases: [
        { alias_label: 'crm', alias_name: '43' },
        { alias_label: 'line', alias_name: 'L' },
      ],
    };
    index.put(moved);
    expect(index.resolve({ kind: 'user_alias', alias: ALIAS })).toBeUndefined();
    expect(index.resolve({ kind: 'user_alias', alias: { alias_label: 'crm', alias_name: '43' } })).toBe(moved);
    expect(index.resolve({ kind: 'user_alias', alias: { alias_label: 'line', alias_name: 'L' } })).toBe(moved);
  });

  test('put() of a changed copy changes email and phone lookups', () => {
    const a = alice();
    const index = new UserIndex([a]);
    const changed = { ...a, email: 'new@example.com', phone: null };
    index.put(changed);
    expect(index.resolve({ kind: 'email', value: 'alice@example.com' })).toBeUndefined();
    expect(index.resolve({ kind: 'email', value: 'new@example.com' })).toBe(changed);
    expect(index.resolve({ kind: 'phone', value: '+14155552671' })).toBeUndefined();
  });

  test('put() adds a new user', () => {
    const index = new UserIndex();
    const b = bob();
    index.put(b);
    expect(index.resolve({ kind: 'external_id', value: 'bob' })).toBe(b);
  });

  test('re-indexing one user leaves a mapping another user has since taken', () => {
    const a = alice();
    const index = new UserIndex([a]);
    const claimant = user('u-other', { external_id: 'alice' });
    index.put(claimant);
    expect(index.resolve({ kind: 'external_id', value: 'alice' })).toBe(claimant);
    index.put({ ...a, external_id: 'alice-old' });
    expect(index.resolve({ kind: 'external_id', value: 'alice' })).toBe(claimant);
    expect(index.resolve({ kind: 'external_id', value: 'alice-old' })?.id).toBe('u-alice');
  });

  test('remove() forgets the user and every key it had', () => {
    const index = new UserIndex([alice(), bob()]);
    index.remove('u-alice');
    expect(index.get('u-alice')).toBeUndefined();
    expect(index.all().map((u) => u.id)).toEqual(['u-bob']);
    expect(index.resolve({ kind: 'external_id', value: 'alice' })).toBeUndefined();
    expect(index.resolve({ kind: 'braze_id', value: 'u-alice' })).toBeUndefined();
    expect(index.resolve({ kind: 'user_alias', alias: ALIAS })).toBeUndefined();
    expect(index.resolve({ kind: 'email', value: 'alice@example.com' })).toBeUndefined();
    expect(index.resolve({ kind: 'external_id', value: 'bob' })?.id).toBe('u-bob');
  });

  test('remove() of an unknown id does nothing', () => {
    const index = new UserIndex([alice()]);
    index.remove('nope');
    expect(index.all()).toHaveLength(1);
  });
});

describe('keysForRefs', () => {
  test('emptyUserKeys has every list, empty', () => {
    expect(emptyUserKeys()).toEqual({ ids: [], externalIds: [], aliases: [], emails: [], phones: [], lineIds: [] });
  });

  test('sorts references by kind and drops duplicates, keeping first-seen order', () => {
    const refs: UserRef[] = [
      { kind: 'external_id', value: 'e1' },
      { kind: 'user_alias', alias: ALIAS },
      { kind: 'braze_id', value: 'b1' },
      { kind: 'email', value: 'a@example.com' },
      { kind: 'phone', value: '+14155552671' },
      { kind: 'external_id', value: 'e2' },
      { kind: 'external_id', value: 'e1' },
      { kind: 'user_alias', alias: { alias_label: 'crm', alias_name: '42' } },
      { kind: 'user_alias', alias: { alias_label: 'crm', alias_name: '43' } },
      { kind: 'braze_id', value: 'b1' },
      { kind: 'email', value: 'a@example.com' },
      { kind: 'phone', value: '+14155552671' },
    ];
    expect(keysForRefs(refs)).toEqual({
      ids: ['b1'],
      externalIds: ['e1', 'e2'],
      aliases: [ALIAS, { alias_label: 'crm', alias_name: '43' }],
      emails: ['a@example.com'],
      phones: ['+14155552671'],
      lineIds: [],
    });
  });

  test('the same value under different kinds is kept in each', () => {
    expect(
      keysForRefs([
        { kind: 'external_id', value: 'x' },
        { kind: 'braze_id', value: 'x' },
      ]),
    ).toMatchObject({ ids: ['x'], externalIds: ['x'] });
  });

  test('aliases differing only by where the separator would fall are distinct', () => {
    const keys = keysForRefs([
      { kind: 'user_alias', alias: { alias_label: 'a', alias_name: 'bc' } },
      { kind: 'user_alias', alias: { alias_label: 'ab', alias_name: 'c' } },
    ]);
    expect(keys.aliases).toHaveLength(2);
  });

  test('accepts any iterable', () => {
    function* refs(): Generator<UserRef> {
      yield { kind: 'email', value: 'a@b.c' };
      yield { kind: 'email', value: 'a@b.c' };
    }
    expect(keysForRefs(refs()).emails).toEqual(['a@b.c']);
  });
});
