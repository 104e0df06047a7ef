import { describe, expect, test } from 'vitest';
import type { Trigger } from '../../../src/schemas/campaign.ts';
import { advance, EVERYONE_ELSE, experimentBucket } from '../../../src/core/journeys/advance.ts';
import type { Step } from '../../../src/core/journeys/journey.ts';
import { NOW, snapshot, user } from '../fixtures.ts';
import { Driver, journey, story, text } from './support.ts';

const done = (id: string): Step => ({ type: 'message', message: text(id), next: null });
const event = (name: string, filters?: Extract<Trigger, { type: 'custom_event' }>['filters']): Trigger =>
  filters ? { type: 'custom_event', event: name, filters } : { type: 'custom_event', event: name };

describe('message', () => {
  test('waits for its delay, sends once when the timer is due, then waits for the outcome', () => {
    const driver = new Driver(
      journey({ m: { type: 'message', message: text('hi'), delay: { type: 'duration', seconds: 60 }, next: null } }),
    );
    expect(story(driver.enter())).toEqual(['entered m', 'step m', 'wait m until 2026-03-06T12:01:00.000Z']);
    expect(driver.instance).toMatchObject({
      state: 'waiting',
      wake_at: NOW + 60_000,
      waiting_for: { kind: 'send_time' },
    });
    expect(driver.outcome('sent')).toEqual([]);
    driver.at(NOW + 59_999);
    expect(driver.timer()).toEqual([]);
    driver.at(NOW + 60_000);
    expect(story(driver.timer())).toEqual(['send m hi']);
    expect(driver.instance).toMatchObject({ wake_at: null, waiting_for: { kind: 'message_outcome' } });
    expect(driver.timer()).toEqual([]);
    expect(story(driver.outcome('sent'))).toEqual(['exited m completed']);
  });

  test('outside its time window without deferral it is suppressed and the journey goes on', () => {
    const driver = new Driver(
      journey({
        m: {
          type: 'message',
          message: text('hi'),
          time_window: { start: '08:00', end: '10:00', time_zone: 'company' },
          next: 'n',
        },
        n: done('n'),
      }),
    );
    expect(story(driver.enter())).toEqual([
      'entered m',
      'step m',
      'suppressed m outside_time_window',
      'step n',
      'send n n',
    ]);
  });

  test('a delayed send that falls outside its window with send_at_next_available waits for the opening', () => {
    const driver = new Driver(
      journey({
        m: {
          type: 'message',
          message: text('hi'),
          delay: { type: 'duration', seconds: 3600 },
          time_window: { start: '08:00', end: '12:30', time_zone: 'company', send_at_next_available: true },
          next: null,
        },
      }),
    );
    expect(story(driver.enter()).at(-1)).toBe('wait m until 2026-03-07T08:00:00.000Z');
  });

  test('a failure without on_failure goes to next; on_failure null ends the journey', () => {
    const plain = new Driver(journey({ m: { type: 'message', message: text('a'), next: 'n' }, n: done('n') }));
    plain.enter();
    expect(story(plain.outcome('failed'))).toEqual(['step n', 'send n n']);

    const ending = new Driver(
      journey({ m: { type: 'message', message: text('a'), next: 'n', on_failure: null }, n: done('n') }),
    );
    ending.enter();
    expect(story(ending.outcome('failed'))).toEqual(['exited m completed']);
  });

  test('a sent or suppressed message with on_failure still goes to next', () => {
    for (const outcome of ['sent', 'suppressed'] as const) {
      const driver = new Driver(
        journey({ m: { type: 'message', message: text('a'), next: 'n', on_failure: 'f' }, n: done('n'), f: done('f') }),
      );
      driver.enter();
      expect(story(driver.outcome(outcome))[0]).toBe('step n');
    }
  });
});

describe('delay', () => {
  test('a duration waits and then goes on', () => {
    const driver = new Driver(
      journey({ d: { type: 'delay', delay: { type: 'duration', seconds: 3600 }, next: 'n' }, n: done('n') }),
    );
    expect(story(driver.enter())).toEqual(['entered d', 'step d', 'wait d until 2026-03-06T13:00:00.000Z']);
    expect(driver.instance.waiting_for).toEqual({ kind: 'delay' });
    driver.at(NOW + 3_600_000);
    expect(story(driver.timer())).toEqual(['step n', 'send n n']);
  });

  test('the next weekday in the user zone', () => {
    // 2026-03-06 is a Friday; next Monday 09:00 in New York (EST, UTC-5) is 14:00 UTC on the 9th.
    const driver = new Driver(
      journey({
        d: {
          type: 'delay',
          delay: { type: 'next_weekday', weekday: 'monday', time: '09:00', time_zone: 'user' },
          next: 'n',
        },
        n: done('n'),
      }),
      user('u-1', { standard: { time_zone: 'America/New_York' } }),
    );
    expect(story(driver.enter()).at(-1)).toBe('wait d until 2026-03-09T13:00:00.000Z');
  });

  test('a delay as the last step ends the journey without waiting', () => {
    const driver = new Driver(
      journey({ d: { type: 'delay', delay: { type: 'duration', seconds: 3600 }, next: null } }),
    );
    expect(story(driver.enter())).toEqual(['entered d', 'step d', 'exited d completed']);
  });

  test('a local time already past today has elapsed: the journey goes on at once', () => {
    const driver = new Driver(
      journey({
        d: { type: 'delay', delay: { type: 'calendar_days', days: 0, time: '09:00', time_zone: 'company' }, next: 'n' },
        n: done('n'),
      }),
    );
    expect(story(driver.enter())).toEqual(['entered d', 'step d', 'step n', 'send n n']);
  });
});

describe('action paths', () => {
  const paths = (ranked: boolean): Step => ({
    type: 'action_paths',
    window_seconds: 3600,
    ranked,
    groups: [
      { id: 'session', trigger: { type: 'session_start' }, next: 'a' },
      { id: 'buyer', trigger: { type: 'purchase' }, next: 'b' },
      { id: 'big', trigger: event('viewed', [{ property: 'price', op: 'gt', value: 100 }]), exit: true },
    ],
    everyone_else: 'c',
  });
  const definition = (ranked: boolean) => journey({ p: paths(ranked), a: done('a'), b: done('b'), c: done('c') });
  const purchase = (driver: Driver) =>
    driver.act({
      kind: 'event',
      event: {
        ...driver.apiEvent('purchase', {}),
        purchase: { product_id: 'x', currency: 'USD', price: 1, quantity: 1 },
      },
    });

  test('arriving announces the window, its groups and its end', () => {
    const driver = new Driver(definition(false));
    expect(story(driver.enter())).toEqual([
      'entered p',
      'step p',
      'listen p [session,buyer,big] until 2026-03-06T13:00:00.000Z',
    ]);
    expect(driver.instance).toMatchObject({
      state: 'waiting',
      wake_at: NOW + 3_600_000,
      waiting_for: { kind: 'action', best: null },
    });
  });

  test('unranked: the first qualifying action routes at once', () => {
    const driver = new Driver(definition(false));
    driver.enter();
    expect(story(purchase(driver))).toEqual(['cancel p', 'path p buyer', 'step b', 'send b b']);
    expect(driver.instance.context.event_properties).toEqual({});
  });

  test('an event property filter decides whether the action qualifies', () => {
    const driver = new Driver(definition(false));
    driver.enter();
    expect(driver.custom('viewed', { price: 50 })).toEqual([]);
    expect(story(driver.custom('viewed', { price: 150 }))).toEqual(['cancel p', 'path p big', 'exited p group_exit']);
    expect(driver.instance.context.event_properties).toEqual({ price: 150 });
  });

  test('no action within the window → everyone_else', () => {
    const driver = new Driver(definition(false));
    driver.enter();
    driver.at(NOW + 3_600_000);
    expect(story(driver.timer())).toEqual([`path p ${EVERYONE_ELSE}`, 'step c', 'send c c']);
  });

  test('ranked: waits to the window end and takes the highest-ranked group that qualified', () => {
    const driver = new Driver(definition(true));
    driver.enter();
    expect(purchase(driver)).toEqual([]);
    expect(driver.instance.waiting_for).toEqual({ kind: 'action', best: 'buyer' });
    expect(driver.custom('session_start')).toEqual([]);
    expect(driver.instance.waiting_for).toEqual({ kind: 'action', best: 'session' });
    const before = snapshot(driver.instance);
    expect(purchase(driver)).toEqual([]);
    expect(driver.instance).toEqual(before);
    driver.at(NOW + 3_600_000);
    expect(story(driver.timer())).toEqual(['path p session', 'step a', 'send a a']);
  });

  test('ranked: an exit group exits at the window end; nothing qualified → everyone_else', () => {
    const exiting = new Driver(definition(true));
    exiting.enter();
    exiting.custom('viewed', { price: 500 });
    exiting.at(NOW + 3_600_000);
    expect(story(exiting.timer())).toEqual(['path p big', 'exited p group_exit']);

    const silent = new Driver(definition(true));
    silent.enter();
    silent.at(NOW + 3_600_000);
    expect(story(silent.timer())).toEqual(['path p everyone_else', 'step c', 'send c c']);
  });

  test('a missing everyone_else ends the journey', () => {
    const driver = new Driver(journey({ p: { ...(paths(false) as object), everyone_else: null } as Step }));
    driver.enter();
    driver.at(NOW + 3_600_000);
    expect(story(driver.timer())).toEqual(['path p everyone_else', 'exited p completed']);
  });
});

describe('decision split and audience paths read the current profile', () => {
  const vip = { attribute: 'tier', op: 'eq', value: 'vip' } as const;
  const split = journey({ s: { type: 'decision_split', filter: vip, yes: 'y', no: null }, y: done('y') });

  test('yes and no', () => {
    const yes = new Driver(split, user('u-1', { custom: { tier: 'vip' } }));
    expect(story(yes.enter())).toEqual(['entered s', 'step s', 'path s yes', 'step y', 'send y y']);
    const no = new Driver(split, user('u-2', { custom: { tier: 'basic' } }));
    expect(story(no.enter())).toEqual(['entered s', 'step s', 'path s no', 'exited s completed']);
  });

  test('the first matching path wins, else everyone_else', () => {
    const audience = journey({
      a: {
        type: 'audience_paths',
        paths: [
          { id: 'vip', filter: vip, next: 'v' },
          { id: 'any-tier', filter: { attribute: 'tier', op: 'exists' }, next: 't' },
        ],
        everyone_else: 'e',
      },
      v: done('v'),
      t: done('t'),
      e: done('e'),
    });
    const route = (custom: Record<string, string>) => story(new Driver(audience, user('u', { custom })).enter())[2];
    expect(route({ tier: 'vip' })).toBe('path a vip');
    expect(route({ tier: 'basic' })).toBe('path a any-tier');
    expect(route({})).toBe('path a everyone_else');
  });
});

describe('experiment', () => {
  const ab = journey({
    x: {
      type: 'experiment',
      paths: [
        { id: 'a', percent: 30, next: 'a' },
        { id: 'b', percent: 70, next: 'b' },
      ],
    },
    a: done('a'),
    b: done('b'),
  });
  const pathOf = (profile = user('u-1')) => story(new Driver(ab, profile).enter())[2];

  test('the path is stable per user and follows the bucket', () => {
    const profile = user('u-1', { external_id: 'ext-1' });
    const bucket = experimentBucket('canvas-1', 'x', profile);
    expect(pathOf(profile)).toBe(bucket < 30 ? 'path x a' : 'path x b');
    expect(pathOf(profile)).toBe(pathOf(profile));
  });

  test('the external id decides, not the internal id', () => {
    expect(experimentBucket('c', 's', user('u-1', { external_id: 'e' }))).toBe(
      experimentBucket('c', 's', user('u-2', { external_id: 'e' })),
    );
    expect(experimentBucket('c', 's', user('u-1'))).toBe(
      experimentBucket('c', 's', user('u-1', { external_id: null })),
    );
  });

  test('the split follows the percents', () => {
    const counts = { 'path x a': 0, 'path x b': 0 } as Record<string, number>;
    for (let i = 0; i < 2000; i++) counts[pathOf(user(`u-${i}`)) ?? '']! += 1;
    expect(counts['path x a']).toBeGreaterThan(500);
    expect(counts['path x a']).toBeLessThan(700);
    expect(counts['path x a']! + counts['path x b']!).toBe(2000);
  });
});

describe('user update', () => {
  test('emits the update and goes on at once', () => {
    const driver = new Driver(
      journey({
        u: {
          type: 'user_update',
          attributes: { onboarded: true },
          events: [{ name: 'onboarded' }],
          subscription_groups: [{ subscription_group_id: 'news', subscription_state: 'subscribed' }],
          next: null,
        },
      }),
    );
    expect(driver.enter()).toEqual([
      { type: 'record', outcome: 'entered', step: 'u' },
      { type: 'record', outcome: 'step', step: 'u' },
      {
        type: 'apply_user_update',
        step: 'u',
        update: {
          attributes: { onboarded: true },
          events: [{ name: 'onboarded' }],
          subscription_groups: [{ subscription_group_id: 'news', subscription_state: 'subscribed' }],
        },
      },
      { type: 'record', outcome: 'exited', step: 'u', reason: 'completed' },
    ]);
  });
});

describe('exit events and inputs that do not apply', () => {
  const waiting = () =>
    journey({ d: { type: 'delay', delay: { type: 'duration', seconds: 60 }, next: 'n' }, n: done('n') });

  test('an exit event ends a waiting instance and cancels its wait', () => {
    const driver = new Driver(waiting());
    driver.enter();
    expect(story(driver.step({ kind: 'exit_event' }))).toEqual(['cancel d', 'exited d exit_criteria']);
    expect(driver.instance).toMatchObject({ state: 'done', wake_at: null });
    driver.at(NOW + 60_000);
    expect(driver.timer()).toEqual([]);
    expect(driver.step({ kind: 'exit_event' })).toEqual([]);
  });

  test('a second enter, an early timer, an outcome nobody waits for and a stray action change nothing', () => {
    const driver = new Driver(waiting());
    driver.enter();
    const before = snapshot(driver.instance);
    expect(driver.enter()).toEqual([]);
    expect(driver.timer()).toEqual([]);
    expect(driver.outcome('failed')).toEqual([]);
    expect(driver.custom('anything')).toEqual([]);
    expect(driver.instance).toEqual(before);
  });

  test('advance leaves its inputs alone and stamps updated_at with now', () => {
    const driver = new Driver(waiting());
    const definition = snapshot(driver.definition);
    const instance = snapshot(driver.instance);
    const result = advance(
      driver.definition,
      driver.instance,
      { kind: 'enter' },
      {
        now: NOW + 5,
        companyTimeZone: 'UTC',
        user: user('u-1'),
        audience: { segments: new Map(), lastReceivedAt: () => null, now: NOW + 5 },
      },
    );
    expect(driver.definition).toEqual(definition);
    expect(driver.instance).toEqual(instance);
    expect(result.instance).toMatchObject({ updated_at: NOW + 5, entered_at: NOW, step: 'd', version: 3 });
  });

  test('a cycle without a wait, which validation refuses, is caught rather than run forever', () => {
    const driver = new Driver(
      journey({
        a: { type: 'decision_split', filter: { attribute: 'x', op: 'exists' }, yes: 'b', no: 'b' },
        b: { type: 'decision_split', filter: { attribute: 'x', op: 'exists' }, yes: 'a', no: 'a' },
      }),
    );
    expect(() => driver.enter()).toThrow(/loop/);
  });
});
