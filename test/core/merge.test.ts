import { describe, expect, test } from 'vitest';
import { MAX_CUSTOM_ATTRIBUTES } from '../../src/core/attributes.ts';
import { mergeProfiles, prioritize, type Prioritization } from '../../src/core/merge.ts';
import type { UserRecord } from '../../src/core/user.ts';
import { EARLIER, NOW, snapshot, user } from './fixtures.ts';

const T1 = Date.UTC(2025, 0, 1);
const T2 = Date.UTC(2025, 6, 1);

function merged(source: UserRecord, target: UserRecord, keepAttributes?: boolean): UserRecord {
  const result = mergeProfiles(source, target, NOW, keepAttributes);
  if (!result.ok) throw new Error(result.error);
  return result.user;
}

describe('mergeProfiles', () => {
  const source = () =>
    user('src', {
      email: 'anon@example.com',
      phone: '+14155552671',
      line_id: `U${'a'.repeat(32)}`,
      last_interacted_channel: 'line-main',
      standard: { first_name: 'Anon', country: 'JP', language: 'ja', dob: null },
      custom: { source_only: 1, shared: 'from source', tags: ['s'] },
      aliases: [
        { alias_label: 'line', alias_name: 'L1' },
        { alias_label: 'crm', alias_name: 'src-crm' },
      ],
      subscriptions: {
        'only-source': { state: 'subscribed', changed_at: T1 },
        both: { state: 'unsubscribed', changed_at: T2 },
      },
      created_at: T1,
      updated_at: T2,
    });
  const target = () =>
    user('tgt', {
      external_id: 'e1',
      email: null,
      phone: '+819012345678',
      line_id: null,
      last_interacted_channel: null,
      standard: { first_name: 'Known', country: null, dob: '1990-01-01' },
      custom: { shared: 'from target', target_only: true },
      aliases: [{ alias_label: 'crm', alias_name: 'tgt-crm' }],
      subscriptions: { both: { state: 'subscribed', changed_at: T1 } },
      created_at: T2,
      updated_at: T2,
    });

  test('keeps the target identity and stamps updated_at with now', () => {
    const m = merged(source(), target());
    expect(m.id).toBe('tgt');
    expect(m.external_id).toBe('e1');
    expect(m.updated_at).toBe(NOW);
  });

  test('identifiers only the source has are copied; the target keeps its own', () => {
    const m = merged(source(), target());
    expect(m.email).toBe('anon@example.com');
    expect(m.phone).toBe('+819012345678');
    expect(m.line_id).toBe(`U${'a'.repeat(32)}`);
    expect(m.last_interacted_channel).toBe('line-main');
  });

  test('standard attributes: only-source copied, target wins where both have a value, null on the source copies nothing', () => {
    expect(merged(source(), target()).standard).toEqual({
      first_name: 'Known',
      country: 'JP',
      language: 'ja',
      dob: '1990-01-01',
    });
  });

  test('a null on the target is filled from the source', () => {
    const m = merged(
      user('s', { standard: { home_city: 'Osaka' } }),
      user('t', { external_id: 'e', standard: { home_city: null } }),
    );
    expect(m.standard.home_city).toBe('Osaka');
  });

  test('custom attributes: only-source copied, target wins on conflicts', () => {
    expect(merged(source(), target()).custom).toEqual({
      shared: 'from target',
      target_only: true,
      source_only: 1,
      tags: ['s'],
    });
  });

  test('aliases: the source aliases whose label the target lacks move; a conflicting label is dropped', () => {
    expect(merged(source(), target()).aliases).toEqual([
      { alias_label: 'crm', alias_name: 'tgt-crm' },
      { alias_label: 'line', alias_name: 'L1' },
    ]);
  });

  test('subscriptions: the target wins, groups only the source has move', () => {
    expect(merged(source(), target()).subscriptions).toEqual({
      both: { state: 'subscribed', changed_at: T1 },
      'only-source': { state: 'subscribed', changed_at: T1 },
    });
  });

  test('created_at is the earlier of the two, whichever side has it', () => {
    expect(merged(source(), target()).created_at).toBe(T1);
    expect(merged(user('s', { created_at: T2 }), user('t', { external_id: 'e', created_at: T1 })).created_at).toBe(T1);
  });

  test('neither input is mutated', () => {
    const s = source(),
      t = target();
    const before = [snapshot(s), snapshot(t)];
    const m = merged(s, t);
    expect([s, t]).toEqual(before);
    expect(m.standard).not.toBe(t.standard);
    expect(m.custom).not.toBe(t.custom);
    expect(m.aliases).not.toBe(t.aliases);
    expect(m.subscriptions).not.toBe(t.subscriptions);
  });

  test('keepAttributes=false moves identity (aliases) and subscriptions but no attributes', () => {
    const t = target();
    const m = merged(source(), t, false);
    expect(m.email).toBeNull();
    expect(m.phone).toBe('+819012345678');
    expect(m.line_id).toBeNull();
    expect(m.last_interacted_channel).toBeNull();
    expect(m.standard).toEqual(t.standard);
    expect(m.custom).toEqual(t.custom);
    expect(m.aliases).toEqual([
      { alias_label: 'crm', alias_name: 'tgt-crm' },
      { alias_label: 'line', alias_name: 'L1' },
    ]);
    expect(m.subscriptions).toEqual({
      both: { state: 'subscribed', changed_at: T1 },
      'only-source': { state: 'subscribed', changed_at: T1 },
    });
    expect(m.created_at).toBe(T1);
    expect(m.updated_at).toBe(NOW);
  });

  test('keepAttributes defaults to true', () => {
    expect(mergeProfiles(source(), target(), NOW)).toEqual(mergeProfiles(source(), target(), NOW, true));
  });

  test('an identified source is refused', () => {
    expect(mergeProfiles(user('s', { external_id: 'other' }), target(), NOW)).toEqual({
      ok: false,
      error: "the profile to merge is already identified as 'other'",
    });
  });

  test('merging an empty source changes only updated_at (and created_at when earlier)', () => {
    const t = target();
    expect(merged(user('s', { created_at: NOW }), t)).toEqual({ ...t, updated_at: NOW });
  });

  // Regression (found by these tests, fixed): `key in merged.custom` also sees Object.prototype members, so a source-only custom
  // attribute named like one ('constructor', 'toString', 'valueOf' …) is never copied over.
  test('a source-only custom attribute named "constructor" is copied to the target', () => {
    const s = user('s', { custom: JSON.parse('{"constructor": "x", "valueOf": 2}') });
    const m = merged(s, user('t', { external_id: 'e' }));
    expect(m.custom).toEqual({ constructor: 'x', valueOf: 2 });
  });

  describe('at the limit of MAX_CUSTOM_ATTRIBUTES custom attributes', () => {
    const numbered = (prefix: string, count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${String(i).padStart(4, '0')}`, i]));

    test('the target keeps all its own and gains the source-only ones in key order while there is room', () => {
      const t = user('t', {
        external_id: 'e',
        custom: { ...numbered('t', MAX_CUSTOM_ATTRIBUTES - 2), shared: 'target' },
      });
      const s = user('s', { custom: { zeta: 1, shared: 'source', beta: 2, alpha: 3, gamma: 4 } });
      const result = mergeProfiles(s, t, NOW);
      if (!result.ok) throw new Error(result.error);
      expect(Object.keys(result.user.custom)).toHaveLength(MAX_CUSTOM_ATTRIBUTES);
      expect(result.user.custom).toMatchObject({ shared: 'target', alpha: 3 });
      expect(result.dropped).toEqual(['beta', 'gamma', 'zeta']);
    });

    test('the order is by key, not by how the source object happens to be ordered', () => {
      const t = user('t', { external_id: 'e', custom: numbered('t', MAX_CUSTOM_ATTRIBUTES - 1) });
      const a = mergeProfiles(user('s', { custom: { b: 1, a: 2, B: 3 } }), t, NOW);
      const b = mergeProfiles(user('s', { custom: { a: 2, B: 3, b: 1 } }), t, NOW);
      expect(a).toEqual(b);
      expect(a.ok && a.dropped).toEqual(['a', 'b']);
    });

    test('a target already over the limit gains nothing and loses nothing', () => {
      const own = numbered('t', MAX_CUSTOM_ATTRIBUTES + 5);
      const result = mergeProfiles(
        user('s', { custom: { extra: 1 } }),
        user('t', { external_id: 'e', custom: own }),
        NOW,
      );
      expect(result).toMatchObject({ ok: true, dropped: ['extra'] });
      expect(result.ok && result.user.custom).toEqual(own);
    });

    test('under the limit nothing is dropped; merge_behavior none drops nothing either', () => {
      const t = user('t', { external_id: 'e', custom: numbered('t', 10) });
      expect(mergeProfiles(user('s', { custom: { a: 1 } }), t, NOW)).toMatchObject({ ok: true, dropped: [] });
      expect(mergeProfiles(user('s', { custom: numbered('s', MAX_CUSTOM_ATTRIBUTES) }), t, NOW, false)).toMatchObject({
        ok: true,
        dropped: [],
      });
    });
  });
});

describe('prioritize', () => {
  const anonOld = user('anon-old', { external_id: null, updated_at: T1 });
  const anonNew = user('anon-new', { external_id: null, updated_at: T2 });
  const knownOld = user('known-old', { external_id: 'k1', updated_at: EARLIER });
  const knownNew = user('known-new', { external_id: 'k2', updated_at: NOW });
  const all = [anonOld, knownOld, anonNew, knownNew];
  const ids = (users: UserRecord[]) => users.map((u) => u.id);

  test.each<[Prioritization[], string[]]>([
    [['identified'], ['known-old', 'known-new']],
    [['unidentified'], ['anon-old', 'anon-new']],
    [['most_recently_updated'], ['known-new']],
    [['least_recently_updated'], ['anon-old']],
    [['identified', 'most_recently_updated'], ['known-new']],
    [['identified', 'least_recently_updated'], ['known-old']],
    [['unidentified', 'most_recently_updated'], ['anon-new']],
    [['unidentified', 'least_recently_updated'], ['anon-old']],
    [['most_recently_updated', 'unidentified'], ['anon-new']],
  ])('%j picks %j', (prioritization, expected) => {
    expect(ids(prioritize(all, prioritization))).toEqual(expected);
  });

  test('no prioritization and several candidates: ambiguous, all are returned', () => {
    expect(ids(prioritize(all, []))).toEqual(ids(all));
  });

  test('a filter that leaves several is ambiguous: all of them are returned', () => {
    expect(prioritize(all, ['unidentified'])).toHaveLength(2);
  });

  test('a single candidate is returned whatever the prioritization', () => {
    expect(ids(prioritize([anonOld], []))).toEqual(['anon-old']);
    expect(ids(prioritize([anonOld], ['most_recently_updated']))).toEqual(['anon-old']);
  });

  test('a filter that leaves none returns none', () => {
    expect(prioritize([anonOld, anonNew], ['identified'])).toEqual([]);
    expect(prioritize([knownOld], ['unidentified'])).toEqual([]);
  });

  test('no candidates gives none', () => {
    expect(prioritize([], ['most_recently_updated'])).toEqual([]);
  });

  test('the candidates array is not modified', () => {
    const list = [...all];
    prioritize(list, ['identified', 'most_recently_updated']);
    expect(ids(list)).toEqual(ids(all));
  });

  test('returns the candidate records themselves', () => {
    expect(prioritize(all, ['most_recently_updated'])[0]).toBe(knownNew);
  });
});
