import { describe, expect, test } from 'vitest';
import {
  planTrack,
  TRACK_ARRAYS,
  trackRefs,
  type TrackArray,
  type TrackContext,
  type TrackItems,
  type TrackPlan,
} from '../../src/core/track.ts';
import type { UserRecord } from '../../src/core/user.ts';
import { EARLIER, NOW, counter, groups, snapshot, user } from './fixtures.ts';

const T = '2026-03-06T08:00:00Z';
const T_MS = Date.UTC(2026, 2, 6, 8);
const ALIAS = { alias_label: 'crm', alias_name: '42' };

type Objects = Partial<Record<TrackArray, Array<Record<string, unknown>>>>;

/** Request objects in their original positions (index = position in the request array). */
function items(objects: Objects): TrackItems {
  const out = { attributes: [], events: [], purchases: [] } as TrackItems;
  for (const array of TRACK_ARRAYS) out[array] = (objects[array] ?? []).map((value, index) => ({ index, value }));
  return out;
}

function context(over: Partial<TrackContext> = {}): TrackContext {
  return { defaultCountry: 'US', now: NOW, groups: groups('sms-marketing'), newId: counter(), ...over };
}

function plan(objects: Objects, loaded: UserRecord[] = [], ctx = context()): TrackPlan {
  return planTrack(items(objects), loaded, ctx);
}

const apiEvents = (p: TrackPlan) => p.events.filter((e) => e.source === 'api');
const systemEvents = (p: TrackPlan) => p.events.filter((e) => e.source === 'system');
const ev = (id: Record<string, unknown>, name = 'opened', time = T) => ({ ...id, name, time });
const purchase = (fields: Record<string, unknown>) => ({
  product_id: 'shoe',
  currency: 'JPY',
  price: 1200,
  time: T,
  ...fields,
});

describe('TRACK_ARRAYS', () => {
  test('is Braze order: attributes, events, purchases', () => {
    expect(TRACK_ARRAYS).toEqual(['attributes', 'events', 'purchases']);
  });
});

describe('Braze processing order', () => {
  test('an event and a purchase see an alias user created by an attributes object in the same request', () => {
    const p = plan({
      events: [ev({ user_alias: ALIAS })],
      purchases: [purchase({ user_alias: ALIAS })],
      attributes: [{ user_alias: ALIAS, _update_existing_only: false, first_name: 'Ann' }],
    });
    expect(p.errors).toEqual([]);
    expect(p.inserted).toHaveLength(1);
    const created = p.inserted[0]!;
    expect(created.aliases).toEqual([ALIAS]);
    expect(apiEvents(p).map((e) => [e.name, e.user_id])).toEqual([
      ['opened', created.id],
      ['purchase', created.id],
    ]);
    expect(p.processed).toEqual({ attributes: 1, events: 1, purchases: 1 });
  });

  test('an event sees the attributes sent beside it (the profile in the plan has them)', () => {
    const p = plan({ attributes: [{ external_id: 'u1', plan: 'gold' }], events: [ev({ external_id: 'u1' })] });
    expect(p.inserted).toHaveLength(1);
    expect(p.inserted[0]!.custom).toEqual({ plan: 'gold' });
    expect(apiEvents(p)[0]!.user_id).toBe(p.inserted[0]!.id);
  });

  test('an event with _update_existing_only: true succeeds when attributes created the user first', () => {
    const p = plan({
      attributes: [{ external_id: 'u1' }],
      events: [ev({ external_id: 'u1', _update_existing_only: true })],
    });
    expect(p.errors).toEqual([]);
    expect(p.processed.events).toBe(1);
  });

  test('plan.events keeps order: attribute system events, then events, then purchases', () => {
    const p = plan({
      attributes: [
        {
          external_id: 'u1',
          email: 'a@example.com',
          subscription_groups: [{ subscription_group_id: 'sms-marketing', subscription_state: 'subscribed' }],
        },
      ],
      events: [ev({ external_id: 'u1' }, 'first'), ev({ external_id: 'u1' }, 'second')],
      purchases: [purchase({ external_id: 'u1' })],
    });
    expect(p.events.map((e) => `${e.source}:${e.name}`)).toEqual([
      'system:email_added',
      'system:subscription_changed',
      'api:first',
      'api:second',
      'api:purchase',
    ]);
  });
});

describe('_update_existing_only', () => {
  describe('external_id', () => {
    test.each(['attributes', 'events', 'purchases'] as const)(
      'an unknown external_id creates a profile from %s (default false)',
      (array) => {
        const object =
          array === 'attributes'
            ? { external_id: 'new' }
            : array === 'events'
              ? ev({ external_id: 'new' })
              : purchase({ external_id: 'new' });
        const p = plan({ [array]: [object] });
        expect(p.errors).toEqual([]);
        expect(p.inserted).toHaveLength(1);
        expect(p.inserted[0]).toMatchObject({
          external_id: 'new',
          email: null,
          phone: null,
          aliases: [],
          created_at: NOW,
          updated_at: NOW,
        });
        expect(p.processed[array]).toBe(1);
      },
    );

    test('explicit false creates too', () => {
      expect(plan({ attributes: [{ external_id: 'new', _update_existing_only: false }] }).inserted).toHaveLength(1);
    });

    test.each(['attributes', 'events', 'purchases'] as const)(
      'explicit true refuses an unknown external_id in %s',
      (array) => {
        const id = { external_id: 'new', _update_existing_only: true };
        const object = array === 'attributes' ? id : array === 'events' ? ev(id) : purchase(id);
        const p = plan({ [array]: [object] });
        expect(p.errors).toEqual([
          { type: "no user has external_id 'new' (_update_existing_only is true)", input_array: array, index: 0 },
        ]);
        expect(p.inserted).toEqual([]);
        expect(p.events).toEqual([]);
        expect(p.processed[array]).toBe(0);
      },
    );

    test('explicit true updates a known external_id', () => {
      const existing = user('u-1', { external_id: 'known' });
      const p = plan({ attributes: [{ external_id: 'known', _update_existing_only: true, first_name: 'A' }] }, [
        existing,
      ]);
      expect(p.errors).toEqual([]);
      expect(p.updated.map((u) => [u.id, u.standard.first_name])).toEqual([['u-1', 'A']]);
    });

    test('a non-boolean flag is refused when the user is unknown', () => {
      const p = plan({ attributes: [{ external_id: 'new', _update_existing_only: 'yes' }] });
      expect(p.errors).toEqual([
        { type: "'_update_existing_only' must be a boolean", input_array: 'attributes', index: 0 },
      ]);
      expect(p.inserted).toEqual([]);
    });
  });

  describe('user_alias', () => {
    test('attributes default to true: an unknown alias is refused', () => {
      const p = plan({ attributes: [{ user_alias: ALIAS, first_name: 'A' }] });
      expect(p.errors).toEqual([
        { type: 'no user has user_alias crm=42 (_update_existing_only is true)', input_array: 'attributes', index: 0 },
      ]);
      expect(p.inserted).toEqual([]);
      expect(p.aliases).toEqual([]);
    });

    test('attributes with explicit true refuse an unknown alias', () => {
      expect(plan({ attributes: [{ user_alias: ALIAS, _update_existing_only: true }] }).errors[0]!.type).toBe(
        'no user has user_alias crm=42 (_update_existing_only is true)',
      );
    });

    test('attributes with false create an alias-only profile and list the alias', () => {
      const p = plan({ attributes: [{ user_alias: ALIAS, _update_existing_only: false, first_name: 'A' }] });
      expect(p.errors).toEqual([]);
      expect(p.inserted).toHaveLength(1);
      const created = p.inserted[0]!;
      expect(created).toMatchObject({
        external_id: null,
        email: null,
        phone: null,
        aliases: [ALIAS],
        standard: { first_name: 'A' },
      });
      expect(p.aliases).toEqual([{ ...ALIAS, user_id: created.id }]);
    });

    test.each(['events', 'purchases'] as const)('%s never create an alias-only profile, even with false', (array) => {
      for (const flag of [undefined, false, true]) {
        const id = flag === undefined ? { user_alias: ALIAS } : { user_alias: ALIAS, _update_existing_only: flag };
        const p = plan({ [array]: [array === 'events' ? ev(id) : purchase(id)] });
        expect(p.errors).toEqual([
          {
            type: 'no user has user_alias crm=42 (events and purchases never create an alias-only user)',
            input_array: array,
            index: 0,
          },
        ]);
        expect(p.inserted).toEqual([]);
        expect(p.events).toEqual([]);
      }
    });

    test('a known alias is updated by attributes and receives events', () => {
      const existing = user('u-1', { aliases: [ALIAS] });
      const p = plan({ attributes: [{ user_alias: ALIAS, plan: 'gold' }], events: [ev({ user_alias: ALIAS })] }, [
        existing,
      ]);
      expect(p.errors).toEqual([]);
      expect(p.updated.map((u) => u.custom)).toEqual([{ plan: 'gold' }]);
      expect(apiEvents(p).map((e) => e.user_id)).toEqual(['u-1']);
      expect(p.aliases).toEqual([]);
    });
  });

  describe('braze_id', () => {
    test.each([undefined, false])('an unknown braze_id never creates (flag %s)', (flag) => {
      const id = flag === undefined ? { braze_id: 'zzz' } : { braze_id: 'zzz', _update_existing_only: flag };
      const p = plan({ attributes: [id], events: [ev(id)], purchases: [purchase(id)] });
      expect(p.errors).toEqual([
        { type: "no user has braze_id 'zzz'", input_array: 'attributes', index: 0 },
        { type: "no user has braze_id 'zzz'", input_array: 'events', index: 0 },
        { type: "no user has braze_id 'zzz'", input_array: 'purchases', index: 0 },
      ]);
      expect(p.inserted).toEqual([]);
    });

    test('a known braze_id (the internal id) is updated', () => {
      const existing = user('u-1');
      const p = plan({ attributes: [{ braze_id: 'u-1', first_name: 'A' }], events: [ev({ braze_id: 'u-1' })] }, [
        existing,
      ]);
      expect(p.errors).toEqual([]);
      expect(p.updated.map((u) => u.id)).toEqual(['u-1']);
      expect(apiEvents(p)[0]!.user_id).toBe('u-1');
    });
  });
});

describe('email and phone identifiers', () => {
  test('a known email names its profile (case-insensitively)', () => {
    const existing = user('u-1', { email: 'ann@example.com' });
    const p = plan({ attributes: [{ email: 'ANN@Example.com', first_name: 'Ann' }] }, [existing]);
    expect(p.inserted).toEqual([]);
    expect(p.updated.map((u) => [u.id, u.email, u.standard.first_name])).toEqual([['u-1', 'ann@example.com', 'Ann']]);
    expect(systemEvents(p)).toEqual([]);
  });

  test('a known phone names its profile (national number read in the default country)', () => {
    const existing = user('u-1', { phone: '+14155552671' });
    const p = plan({ events: [ev({ phone: '(415) 555-2671' })] }, [existing]);
    expect(apiEvents(p).map((e) => e.user_id)).toEqual(['u-1']);
    expect(p.inserted).toEqual([]);
  });

  test('the default country decides how a national phone is read', () => {
    const existing = user('u-1', { phone: '+819012345678' });
    const p = plan({ events: [ev({ phone: '090-1234-5678' })] }, [existing], context({ defaultCountry: 'JP' }));
    expect(apiEvents(p).map((e) => e.user_id)).toEqual(['u-1']);
  });

  test('email wins over phone', () => {
    const byEmail = user('u-email', { email: 'a@example.com' });
    const byPhone = user('u-phone', { phone: '+14155552671' });
    const p = plan({ events: [ev({ email: 'a@example.com', phone: '+14155552671' })] }, [byEmail, byPhone]);
    expect(apiEvents(p).map((e) => e.user_id)).toEqual(['u-email']);
  });

  test('email wins over phone even when no profile has the email: an email-only profile is created', () => {
    const byPhone = user('u-phone', { phone: '+14155552671' });
    const p = plan({ events: [ev({ email: 'new@example.com', phone: '+14155552671' })] }, [byPhone]);
    expect(p.inserted).toHaveLength(1);
    expect(p.inserted[0]).toMatchObject({ email: 'new@example.com', phone: null, external_id: null, aliases: [] });
    expect(apiEvents(p)[0]!.user_id).toBe(p.inserted[0]!.id);
  });

  test('an unknown email creates an email-only profile without an alias', () => {
    const p = plan({ attributes: [{ email: 'New@Example.com', first_name: 'N' }] });
    expect(p.inserted).toHaveLength(1);
    expect(p.inserted[0]).toMatchObject({
      email: 'new@example.com',
      external_id: null,
      phone: null,
      aliases: [],
      standard: { first_name: 'N' },
    });
    expect(p.aliases).toEqual([]);
  });

  test('an unknown phone creates a phone-only profile in E.164', () => {
    const p = plan({ attributes: [{ phone: '(415) 555-2671' }] });
    expect(p.inserted.map((u) => [u.phone, u.email, u.external_id])).toEqual([['+14155552671', null, null]]);
    expect(systemEvents(p)).toEqual([]);
  });

  test('an unknown email with _update_existing_only true is refused', () => {
    const p = plan({ attributes: [{ email: 'new@example.com', _update_existing_only: true }] });
    expect(p.errors).toEqual([
      {
        type: "no user has email 'new@example.com' (_update_existing_only is true)",
        input_array: 'attributes',
        index: 0,
      },
    ]);
  });

  test('among profiles sharing an email, the identified one is used', () => {
    const anonymous = user('u-anon', { email: 'a@example.com', updated_at: NOW - 1 });
    const identified = user('u-known', { email: 'a@example.com', external_id: 'e1', updated_at: EARLIER });
    const p = plan({ events: [ev({ email: 'a@example.com' })] }, [anonymous, identified]);
    expect(apiEvents(p)[0]!.user_id).toBe('u-known');
  });

  test('a bad email or phone identifier is an item error', () => {
    const p = plan({ events: [ev({ email: 'nope' }), ev({ phone: 'abc' })] });
    expect(p.errors).toEqual([
      { type: "'email' is not an email address: 'nope'", input_array: 'events', index: 0 },
      { type: "'phone' 'abc' is not a phone number (read with default country US)", input_array: 'events', index: 1 },
    ]);
    expect(p.inserted).toEqual([]);
  });
});

describe('email_added', () => {
  test('an existing profile whose email goes from empty to set gets email_added', () => {
    const existing = user('u-1', { external_id: 'e1' });
    const p = plan(
      { attributes: [{ external_id: 'e1', email: 'Ann@Example.com' }] },
      [existing],
      context({ newId: counter('x') }),
    );
    expect(systemEvents(p)).toEqual([
      {
        id: 'x-1',
        user_id: 'u-1',
        name: 'email_added',
        time: NOW,
        properties: { email: 'ann@example.com' },
        purchase: null,
        source: 'system',
        received_at: NOW,
      },
    ]);
  });

  test('not when an existing email is changed', () => {
    const existing = user('u-1', { external_id: 'e1', email: 'old@example.com' });
    const p = plan({ attributes: [{ external_id: 'e1', email: 'new@example.com' }] }, [existing]);
    expect(systemEvents(p)).toEqual([]);
    expect(p.updated[0]!.email).toBe('new@example.com');
  });

  test('not when the email is sent again unchanged', () => {
    const existing = user('u-1', { external_id: 'e1', email: 'a@example.com' });
    expect(systemEvents(plan({ attributes: [{ external_id: 'e1', email: 'a@example.com' }] }, [existing]))).toEqual([]);
  });

  test('not when the email is cleared', () => {
    const existing = user('u-1', { external_id: 'e1', email: 'a@example.com' });
    const p = plan({ attributes: [{ external_id: 'e1', email: null }] }, [existing]);
    expect(systemEvents(p)).toEqual([]);
    expect(p.updated[0]!.email).toBeNull();
  });

  test('not when the attributes do not touch email', () => {
    expect(
      systemEvents(
        plan({ attributes: [{ external_id: 'e1', first_name: 'A' }] }, [user('u-1', { external_id: 'e1' })]),
      ),
    ).toEqual([]);
  });

  test('a new profile created by external_id with an email gets email_added', () => {
    const p = plan({ attributes: [{ external_id: 'new', email: 'a@example.com' }] });
    expect(systemEvents(p).map((e) => [e.name, e.user_id, e.properties])).toEqual([
      ['email_added', p.inserted[0]!.id, { email: 'a@example.com' }],
    ]);
  });

  test('a new profile created by an email identifier (attributes) gets one email_added', () => {
    const p = plan({ attributes: [{ email: 'a@example.com' }] });
    expect(systemEvents(p).map((e) => [e.name, e.user_id, e.properties])).toEqual([
      ['email_added', p.inserted[0]!.id, { email: 'a@example.com' }],
    ]);
  });

  test('a new profile created by an email identifier (event) gets email_added before the event', () => {
    const p = plan({ events: [ev({ email: 'a@example.com' })] });
    const id = p.inserted[0]!.id;
    expect(p.events.map((e) => [e.source, e.name, e.user_id])).toEqual([
      ['system', 'email_added', id],
      ['api', 'opened', id],
    ]);
  });

  test('a new profile created by an email identifier (purchase) gets email_added', () => {
    const p = plan({ purchases: [purchase({ email: 'a@example.com' })] });
    expect(p.events.map((e) => e.name)).toEqual(['email_added', 'purchase']);
  });

  test('a second event on the same new email profile does not repeat email_added', () => {
    const p = plan({ events: [ev({ email: 'a@example.com' }), ev({ email: 'a@example.com' })] });
    expect(p.inserted).toHaveLength(1);
    expect(p.events.map((e) => e.name)).toEqual(['email_added', 'opened', 'opened']);
  });

  test('a new profile without email (external_id, phone) gets none', () => {
    expect(
      systemEvents(plan({ attributes: [{ external_id: 'new' }], events: [ev({ phone: '+14155552671' })] })),
    ).toEqual([]);
  });

  test('a profile created then given an email in a later object of the same request gets it once', () => {
    const p = plan({
      attributes: [
        { external_id: 'new' },
        { external_id: 'new', email: 'a@example.com' },
        { external_id: 'new', email: 'b@example.com' },
      ],
    });
    expect(systemEvents(p).map((e) => e.properties)).toEqual([{ email: 'a@example.com' }]);
  });

  test('a failed attributes object records no email_added', () => {
    const p = plan({ attributes: [{ external_id: 'new', email: 'a@example.com', gender: 'X' }] });
    expect(p.events).toEqual([]);
    expect(p.inserted).toEqual([]);
  });
});

describe('subscription changes', () => {
  const sub = (state: string) => ({
    subscription_groups: [{ subscription_group_id: 'sms-marketing', subscription_state: state }],
  });

  test('a change is planned and recorded as a subscription_changed system event', () => {
    const existing = user('u-1', {
      external_id: 'e1',
      subscriptions: { 'sms-marketing': { state: 'unsubscribed', changed_at: EARLIER } },
    });
    const p = plan(
      { attributes: [{ external_id: 'e1', ...sub('subscribed') }] },
      [existing],
      context({ newId: counter('x') }),
    );
    expect(p.subscriptions).toEqual([
      { group_id: 'sms-marketing', state: 'subscribed', previous: 'unsubscribed', user_id: 'u-1', changed_at: NOW },
    ]);
    expect(p.events).toEqual([
      {
        id: 'x-1',
        user_id: 'u-1',
        name: 'subscription_changed',
        time: NOW,
        properties: { subscription_group_id: 'sms-marketing', state: 'subscribed', previous_state: 'unsubscribed' },
        purchase: null,
        source: 'system',
        received_at: NOW,
      },
    ]);
    expect(p.updated[0]!.subscriptions['sms-marketing']).toEqual({ state: 'subscribed', changed_at: NOW });
  });

  test('a first state on a new profile has previous_state null', () => {
    const p = plan({ attributes: [{ external_id: 'new', ...sub('subscribed') }] });
    expect(p.subscriptions).toEqual([
      { group_id: 'sms-marketing', state: 'subscribed', previous: null, user_id: p.inserted[0]!.id, changed_at: NOW },
    ]);
    expect(systemEvents(p)[0]!.properties).toEqual({
      subscription_group_id: 'sms-marketing',
      state: 'subscribed',
      previous_state: null,
    });
  });

  test('an unchanged state plans nothing', () => {
    const existing = user('u-1', {
      external_id: 'e1',
      subscriptions: { 'sms-marketing': { state: 'subscribed', changed_at: EARLIER } },
    });
    const p = plan({ attributes: [{ external_id: 'e1', ...sub('subscribed') }] }, [existing]);
    expect(p.subscriptions).toEqual([]);
    expect(p.events).toEqual([]);
  });

  test('two objects in one request: the second sees the first', () => {
    const p = plan({
      attributes: [
        { external_id: 'new', ...sub('subscribed') },
        { external_id: 'new', ...sub('unsubscribed') },
      ],
    });
    expect(p.subscriptions.map((s) => [s.state, s.previous])).toEqual([
      ['subscribed', null],
      ['unsubscribed', 'subscribed'],
    ]);
  });

  test('an unknown group is an item error and changes nothing', () => {
    const p = plan({
      attributes: [
        {
          external_id: 'new',
          subscription_groups: [{ subscription_group_id: 'nope', subscription_state: 'subscribed' }],
        },
      ],
    });
    expect(p.errors).toEqual([
      {
        type: `'subscription_groups[0].subscription_group_id' names no subscription group: "nope"`,
        input_array: 'attributes',
        index: 0,
      },
    ]);
    expect(p.subscriptions).toEqual([]);
    expect(p.inserted).toEqual([]);
  });
});

describe('counts and errors', () => {
  test('processed counts only the objects that were applied; errors name array and original index', () => {
    const existing = user('u-1', { external_id: 'e1' });
    const p = plan(
      {
        attributes: [
          { external_id: 'e1', first_name: 'A' },
          { first_name: 'no id' },
          { external_id: 'e1', gender: 'X' },
          { external_id: 'e1', last_name: 'B' },
        ],
        events: [
          ev({ external_id: 'e1' }),
          { external_id: 'e1', name: '', time: T },
          { external_id: 'e1', name: 'x', time: 'garbage' },
        ],
        purchases: [purchase({ external_id: 'e1', currency: 'ZZZ' }), purchase({ external_id: 'e1' })],
      },
      [existing],
    );
    expect(p.processed).toEqual({ attributes: 2, events: 1, purchases: 1 });
    expect(p.errors).toEqual([
      {
        type: "'external_id' or 'braze_id' or 'user_alias' or 'email' or 'phone' is required",
        input_array: 'attributes',
        index: 1,
      },
      { type: "'gender' must be one of M, F, O, N, P or null", input_array: 'attributes', index: 2 },
      { type: "'name' is required: a string of 1 to 255 characters", input_array: 'events', index: 1 },
      { type: `'time' is not an ISO 8601 date-time: "garbage"`, input_array: 'events', index: 2 },
      { type: `'currency' must be an ISO 4217 code such as USD, got "ZZZ"`, input_array: 'purchases', index: 0 },
    ]);
    expect(p.updated).toHaveLength(1);
    expect(p.updated[0]!.standard).toEqual({ first_name: 'A', last_name: 'B' });
  });

  test('errors report the index the item had in the request, not its position among checked items', () => {
    const request: TrackItems = {
      attributes: [{ index: 3, value: { first_name: 'no id' } }],
      events: [
        { index: 0, value: ev({ external_id: 'e1' }) },
        { index: 7, value: { external_id: 'e1', time: T } },
      ],
      purchases: [],
    };
    const p = planTrack(request, [], context());
    expect(p.errors).toEqual([
      {
        type: "'external_id' or 'braze_id' or 'user_alias' or 'email' or 'phone' is required",
        input_array: 'attributes',
        index: 3,
      },
      { type: "'name' is required: a string of 1 to 255 characters", input_array: 'events', index: 7 },
    ]);
    expect(p.processed).toEqual({ attributes: 0, events: 1, purchases: 0 });
  });

  test('several identifiers in one object are an item error', () => {
    const p = plan({ attributes: [{ external_id: 'a', braze_id: 'b' }] });
    expect(p.errors).toEqual([
      {
        type: "only one of 'external_id', 'user_alias', 'braze_id' may name the user (got external_id, braze_id)",
        input_array: 'attributes',
        index: 0,
      },
    ]);
  });

  test('an empty request plans nothing', () => {
    expect(plan({})).toEqual({
      inserted: [],
      updated: [],
      aliases: [],
      subscriptions: [],
      events: [],
      errors: [],
      processed: { attributes: 0, events: 0, purchases: 0 },
    });
  });

  test('a rejected event for an unknown external_id creates no profile', () => {
    const p = plan({
      events: [{ external_id: 'new', name: 'x', time: 'garbage' }],
      purchases: [purchase({ external_id: 'new', quantity: 0 })],
    });
    expect(p.inserted).toEqual([]);
    expect(p.events).toEqual([]);
    expect(p.errors.map((e) => e.input_array)).toEqual(['events', 'purchases']);
  });

  test('a rejected attributes object for an unknown user creates no profile; a later valid one does', () => {
    const p = plan({
      attributes: [
        { external_id: 'new', gender: 'X' },
        { external_id: 'new', first_name: 'A' },
      ],
    });
    expect(p.inserted).toHaveLength(1);
    expect(p.inserted[0]).toMatchObject({ external_id: 'new', standard: { first_name: 'A' } });
    expect(p.processed.attributes).toBe(1);
  });
});

describe('inserted and updated', () => {
  test('a user created then updated in the same request is only in inserted, with its final state', () => {
    const p = plan({
      attributes: [
        { external_id: 'new', first_name: 'A' },
        { external_id: 'new', last_name: 'B', visits: { inc: 1 } },
        { external_id: 'new', visits: { inc: 1 } },
      ],
    });
    expect(p.updated).toEqual([]);
    expect(p.inserted).toHaveLength(1);
    expect(p.inserted[0]).toMatchObject({
      external_id: 'new',
      standard: { first_name: 'A', last_name: 'B' },
      custom: { visits: 2 },
    });
  });

  test('an existing user updated twice is listed once with its final state', () => {
    const existing = user('u-1', { external_id: 'e1', custom: { n: 1 } });
    const p = plan(
      {
        attributes: [
          { external_id: 'e1', n: { inc: 1 } },
          { external_id: 'e1', n: { inc: 10 } },
        ],
      },
      [existing],
    );
    expect(p.inserted).toEqual([]);
    expect(p.updated).toHaveLength(1);
    expect(p.updated[0]).toMatchObject({ id: 'u-1', custom: { n: 12 }, updated_at: NOW, created_at: EARLIER });
  });

  test('events alone on an existing user do not update the profile', () => {
    const existing = user('u-1', { external_id: 'e1' });
    const p = plan({ events: [ev({ external_id: 'e1' })], purchases: [purchase({ external_id: 'e1' })] }, [existing]);
    expect(p.updated).toEqual([]);
    expect(p.inserted).toEqual([]);
    expect(apiEvents(p)).toHaveLength(2);
  });

  test('several new users are inserted in first-seen order', () => {
    const p = plan({
      attributes: [{ external_id: 'b' }, { external_id: 'a' }],
      events: [ev({ external_id: 'c' }), ev({ external_id: 'a' })],
    });
    expect(p.inserted.map((u) => u.external_id)).toEqual(['b', 'a', 'c']);
    expect(new Set(p.inserted.map((u) => u.id)).size).toBe(3);
  });

  test('new user ids come from ctx.newId, and both are timestamped ctx.now', () => {
    const p = plan({ attributes: [{ external_id: 'new' }] }, [], context({ newId: counter('user') }));
    expect(p.inserted[0]).toMatchObject({ id: 'user-1', created_at: NOW, updated_at: NOW });
  });

  test('an existing and a new user in the same request land in the right lists', () => {
    const existing = user('u-1', { external_id: 'e1' });
    const p = plan(
      {
        attributes: [
          { external_id: 'e1', first_name: 'Old' },
          { external_id: 'e2', first_name: 'New' },
        ],
      },
      [existing],
    );
    expect(p.updated.map((u) => u.external_id)).toEqual(['e1']);
    expect(p.inserted.map((u) => u.external_id)).toEqual(['e2']);
  });

  test('loaded records are never mutated', () => {
    const existing = user('u-1', { external_id: 'e1', email: null, custom: { tags: ['a'], n: 1 } });
    const before = snapshot(existing);
    plan(
      {
        attributes: [
          {
            external_id: 'e1',
            email: 'a@example.com',
            tags: { add: ['b'] },
            n: { inc: 1 },
            subscription_groups: [{ subscription_group_id: 'sms-marketing', subscription_state: 'subscribed' }],
          },
        ],
        events: [ev({ external_id: 'e1' })],
      },
      [existing],
    );
    expect(existing).toEqual(before);
  });
});

describe('aliases', () => {
  test('only the aliases of new users are listed', () => {
    const existing = user('u-1', { aliases: [{ alias_label: 'crm', alias_name: 'old' }] });
    const other = { alias_label: 'shop', alias_name: '7' };
    const p = plan(
      {
        attributes: [
          { user_alias: { alias_label: 'crm', alias_name: 'old' }, first_name: 'A' },
          { user_alias: other, _update_existing_only: false },
          { external_id: 'new' },
        ],
      },
      [existing],
    );
    const created = p.inserted.find((u) => u.aliases.length > 0)!;
    expect(p.aliases).toEqual([{ ...other, user_id: created.id }]);
  });

  test('the same new alias used twice is one user and one alias row', () => {
    const p = plan({
      attributes: [
        { user_alias: ALIAS, _update_existing_only: false },
        { user_alias: ALIAS, first_name: 'A' },
      ],
      events: [ev({ user_alias: ALIAS })],
    });
    expect(p.errors).toEqual([]);
    expect(p.inserted).toHaveLength(1);
    expect(p.aliases).toEqual([{ ...ALIAS, user_id: p.inserted[0]!.id }]);
  });
});

describe('events and purchases', () => {
  test('an event is recorded with its fields, source api and received_at now', () => {
    const existing = user('u-1', { external_id: 'e1' });
    const p = plan(
      { events: [{ external_id: 'e1', name: 'added_to_cart', time: T, properties: { sku: 'X-1', value: 150 } }] },
      [existing],
      context({ newId: counter('ev') }),
    );
    expect(p.events).toEqual([
      {
        id: 'ev-1',
        user_id: 'u-1',
        name: 'added_to_cart',
        time: T_MS,
        properties: { sku: 'X-1', value: 150 },
        purchase: null,
        source: 'api',
        received_at: NOW,
      },
    ]);
  });

  test('events are never de-duplicated', () => {
    const existing = user('u-1', { external_id: 'e1' });
    const p = plan({ events: [ev({ external_id: 'e1' }), ev({ external_id: 'e1' })] }, [existing]);
    expect(p.events).toHaveLength(2);
    expect(p.events[0]!.id).not.toBe(p.events[1]!.id);
  });

  test('a future event time is clamped to now', () => {
    const p = plan(
      {
        events: [ev({ external_id: 'e1' }, 'x', '2030-01-01T00:00:00Z')],
        purchases: [purchase({ external_id: 'e1', time: '2099-12-31T00:00:00Z' })],
      },
      [user('u-1', { external_id: 'e1' })],
    );
    expect(p.events.map((e) => e.time)).toEqual([NOW, NOW]);
  });

  test('a past event time is kept', () => {
    const p = plan({ events: [ev({ external_id: 'e1' }, 'x', '2020-05-01T00:00:00+09:00')] }, [
      user('u-1', { external_id: 'e1' }),
    ]);
    expect(p.events[0]!.time).toBe(Date.UTC(2020, 3, 30, 15));
  });

  test('a purchase is stored as an event named purchase with its details', () => {
    const existing = user('u-1', { external_id: 'e1' });
    const p = plan(
      { purchases: [purchase({ external_id: 'e1', currency: 'jpy', quantity: 2, properties: { size: 27 } })] },
      [existing],
      context({ newId: counter('p') }),
    );
    expect(p.events).toEqual([
      {
        id: 'p-1',
        user_id: 'u-1',
        name: 'purchase',
        time: T_MS,
        properties: { size: 27 },
        purchase: { product_id: 'shoe', currency: 'JPY', price: 1200, quantity: 2 },
        source: 'api',
        received_at: NOW,
      },
    ]);
  });

  test('a purchase without quantity has quantity 1 and empty properties', () => {
    const p = plan({ purchases: [purchase({ external_id: 'e1' })] }, [user('u-1', { external_id: 'e1' })]);
    expect(p.events[0]!.purchase).toEqual({ product_id: 'shoe', currency: 'JPY', price: 1200, quantity: 1 });
    expect(p.events[0]!.properties).toEqual({});
  });
});

describe('trackRefs', () => {
  test('lists the identifier of every object in Braze order, normalised, skipping unusable ones', () => {
    const refs = trackRefs(
      items({
        purchases: [purchase({ braze_id: 'b1' })],
        events: [
          ev({ email: 'Ann@Example.com', phone: '+14155552671' }),
          ev({ phone: '(415) 555-2671' }),
          ev({ phone: 'abc' }),
        ],
        attributes: [
          { external_id: 'e1' },
          { user_alias: ALIAS },
          { first_name: 'no id' },
          { external_id: 'a', braze_id: 'b' },
        ],
      }),
      'US',
    );
    expect(refs).toEqual([
      { kind: 'external_id', value: 'e1' },
      { kind: 'user_alias', alias: ALIAS },
      { kind: 'email', value: 'ann@example.com' },
      { kind: 'phone', value: '+14155552671' },
      { kind: 'braze_id', value: 'b1' },
    ]);
  });

  test('reads national phone numbers in the given default country', () => {
    expect(trackRefs(items({ events: [ev({ phone: '090-1234-5678' })] }), 'JP')).toEqual([
      { kind: 'phone', value: '+819012345678' },
    ]);
    expect(trackRefs(items({ events: [ev({ phone: '090-1234-5678' })] }), 'US')).toEqual([]);
  });

  test('an empty request has no refs', () => {
    expect(trackRefs(items({}), 'US')).toEqual([]);
  });
});
