import { describe, expect, test } from 'vitest';
import type { Delay, TimeWindow } from '../../../src/schemas/campaign.ts';
import {
  planSendTime,
  type SendTimeDecision,
  type Timing,
  type TimingContext,
} from '../../../src/core/campaigns/send-time.ts';

/** The decision with instants as UTC ISO strings, so a failure reads as dates. */
type Readable = { kind: 'send'; at: string; deferred: boolean } | { kind: 'suppress'; reason: string };

function readable(decision: SendTimeDecision): Readable {
  return decision.kind === 'send' ? { ...decision, at: new Date(decision.at).toISOString() } : decision;
}
const sendAt = (withOffset: string, deferred = false): Readable => ({
  kind: 'send',
  at: new Date(Date.parse(withOffset)).toISOString(),
  deferred,
});
const deferredTo = (withOffset: string): Readable => sendAt(withOffset, true);
const suppressed = (reason: string): Readable => ({ kind: 'suppress', reason });

function plan(timing: Timing, triggeredAt: string, ctx: Partial<Omit<TimingContext, 'triggeredAt'>> = {}): Readable {
  return readable(
    planSendTime(timing, {
      activatedAt: null,
      userTimeZone: null,
      companyTimeZone: 'UTC',
      ...ctx,
      triggeredAt: Date.parse(triggeredAt),
    }),
  );
}

const weekday = (day: string, time: string, time_zone: 'user' | 'company' = 'user'): Delay => ({
  type: 'next_weekday',
  weekday: day,
  time,
  time_zone,
});
const calendarDays = (days: number, time: string, time_zone: 'user' | 'company' = 'user'): Delay => ({
  type: 'calendar_days',
  days,
  time,
  time_zone,
});
const seconds = (n: number): Delay => ({ type: 'duration', seconds: n });
const window = (
  start: string,
  end: string,
  send_at_next_available = false,
  time_zone: 'user' | 'company' = 'user',
): TimeWindow => ({
  start,
  end,
  time_zone,
  send_at_next_available,
});

const PARIS = { userTimeZone: 'Europe/Paris' };
const NEW_YORK = { userTimeZone: 'America/New_York' };
const TOKYO = { userTimeZone: 'Asia/Tokyo' };

describe('duration (starts_at, ends_at, activation)', () => {
  test.each<[string, Timing, string, Partial<TimingContext>, Readable]>([
    ['no bounds', {}, '2026-03-02T10:00Z', {}, sendAt('2026-03-02T10:00Z')],
    [
      'before starts_at',
      { starts_at: '2026-03-01T00:00:00Z' },
      '2026-02-28T23:59:59.999Z',
      {},
      suppressed('event_before_launch'),
    ],
    [
      'exactly at starts_at',
      { starts_at: '2026-03-01T00:00:00Z' },
      '2026-03-01T00:00Z',
      {},
      sendAt('2026-03-01T00:00Z'),
    ],
    [
      'starts_at with an offset',
      { starts_at: '2026-03-01T09:00:00+09:00' },
      '2026-02-28T23:59Z',
      {},
      suppressed('event_before_launch'),
    ],
    [
      'starts_at with an offset, after',
      { starts_at: '2026-03-01T09:00:00+09:00' },
      '2026-03-01T00:00Z',
      {},
      sendAt('2026-03-01T00:00Z'),
    ],
    [
      'before activation',
      {},
      '2026-03-02T09:59Z',
      { activatedAt: Date.parse('2026-03-02T10:00Z') },
      suppressed('event_before_launch'),
    ],
    [
      'exactly at activation',
      {},
      '2026-03-02T10:00Z',
      { activatedAt: Date.parse('2026-03-02T10:00Z') },
      sendAt('2026-03-02T10:00Z'),
    ],
    [
      'after starts_at, before activation',
      { starts_at: '2026-03-01T00:00:00Z' },
      '2026-03-02T09:00Z',
      { activatedAt: Date.parse('2026-03-02T10:00Z') },
      suppressed('event_before_launch'),
    ],
    [
      'trigger after ends_at',
      { ends_at: '2026-03-31T00:00:00Z' },
      '2026-03-31T00:00:00.001Z',
      {},
      suppressed('outside_duration'),
    ],
    [
      'trigger exactly at ends_at',
      { ends_at: '2026-03-31T00:00:00Z' },
      '2026-03-31T00:00Z',
      {},
      sendAt('2026-03-31T00:00Z'),
    ],
    [
      'send exactly at ends_at',
      { delay: seconds(3600), ends_at: '2026-03-31T00:00:00Z' },
      '2026-03-30T23:00Z',
      {},
      sendAt('2026-03-31T00:00Z'),
    ],
    [
      'send 1 s after ends_at',
      { delay: seconds(3600), ends_at: '2026-03-31T00:00:00Z' },
      '2026-03-30T23:00:01Z',
      {},
      suppressed('outside_duration'),
    ],
    [
      'delay longer than the duration',
      { delay: seconds(86_400 * 10), starts_at: '2026-03-01T00:00:00Z', ends_at: '2026-03-08T00:00:00Z' },
      '2026-03-01T00:00Z',
      {},
      suppressed('outside_duration'),
    ],
    [
      'local-time send exactly at ends_at',
      { delay: calendarDays(1, '09:00'), ends_at: '2026-03-03T09:00:00+01:00' },
      '2026-03-02T20:00+01:00',
      PARIS,
      sendAt('2026-03-03T09:00+01:00'),
    ],
    [
      'local-time send after ends_at',
      { delay: calendarDays(1, '09:00'), ends_at: '2026-03-03T08:59:59+01:00' },
      '2026-03-02T20:00+01:00',
      PARIS,
      suppressed('outside_duration'),
    ],
    [
      'deferred exactly to ends_at',
      { delay: seconds(3600), time_window: window('09:00', '21:00', true), ends_at: '2026-03-03T09:00:00Z' },
      '2026-03-02T20:30Z',
      {},
      deferredTo('2026-03-03T09:00Z'),
    ],
    [
      'deferred past ends_at',
      { delay: seconds(3600), time_window: window('09:00', '21:00', true), ends_at: '2026-03-03T08:59:59Z' },
      '2026-03-02T20:30Z',
      {},
      suppressed('outside_duration'),
    ],
  ])('%s', (_name, timing, triggeredAt, ctx, expected) => {
    expect(plan(timing, triggeredAt, ctx)).toEqual(expected);
  });

  test('an unparseable bound is refused rather than ignored', () => {
    expect(() => plan({ ends_at: 'soon' }, '2026-03-02T10:00Z')).toThrow(/ISO 8601/);
  });
});

describe('delay: none and duration', () => {
  test.each<[string, Delay | null | undefined, string, Readable]>([
    ['absent', undefined, '2026-03-02T10:00:00.123Z', sendAt('2026-03-02T10:00:00.123Z')],
    ['null', null, '2026-03-02T10:00Z', sendAt('2026-03-02T10:00Z')],
    ['0 seconds', seconds(0), '2026-03-02T10:00Z', sendAt('2026-03-02T10:00Z')],
    ['1 hour', seconds(3600), '2026-03-02T10:00Z', sendAt('2026-03-02T11:00Z')],
    ['1 week', seconds(7 * 86_400), '2026-12-28T10:00Z', sendAt('2027-01-04T10:00Z')],
    // a duration is elapsed time: across spring-forward, 24 h later reads an hour later on the clock
    ['24 h across spring-forward', seconds(86_400), '2026-03-28T12:00+01:00', sendAt('2026-03-29T13:00+02:00')],
    ['24 h across fall-back', seconds(86_400), '2026-10-24T12:00+02:00', sendAt('2026-10-25T11:00+01:00')],
  ])('%s', (_name, delay, triggeredAt, expected) => {
    expect(plan({ delay }, triggeredAt, PARIS)).toEqual(expected);
  });
});

describe('delay: next weekday', () => {
  // 2026-03-27 is a Friday, 2026-03-29 a Sunday (spring-forward in Paris), 2026-10-25 a Sunday (fall-back).
  test.each<[string, Delay, string, Partial<TimingContext>, Readable]>([
    [
      'Friday → Saturday',
      weekday('saturday', '09:00'),
      '2026-03-27T20:00+01:00',
      PARIS,
      sendAt('2026-03-28T09:00+01:00'),
    ],
    [
      'on the weekday, before the time → next week',
      weekday('saturday', '09:00'),
      '2026-03-28T08:00+01:00',
      PARIS,
      sendAt('2026-04-04T09:00+02:00'),
    ],
    [
      'on the weekday, exactly at the time → next week',
      weekday('saturday', '09:00'),
      '2026-03-28T09:00+01:00',
      PARIS,
      sendAt('2026-04-04T09:00+02:00'),
    ],
    [
      'on the weekday, after the time → next week',
      weekday('saturday', '09:00'),
      '2026-03-28T10:00+01:00',
      PARIS,
      sendAt('2026-04-04T09:00+02:00'),
    ],
    [
      'on the weekday, one minute before midnight → next week',
      weekday('saturday', '09:00'),
      '2026-03-28T23:59+01:00',
      PARIS,
      sendAt('2026-04-04T09:00+02:00'),
    ],
    ['Sunday → Monday', weekday('monday', '09:00'), '2026-03-01T12:00Z', {}, sendAt('2026-03-02T09:00Z')],
    ['Monday → Sunday (6 days)', weekday('sunday', '09:00'), '2026-03-02T12:00Z', {}, sendAt('2026-03-08T09:00Z')],
    ['across a month end', weekday('wednesday', '09:00'), '2026-03-30T12:00Z', {}, sendAt('2026-04-01T09:00Z')],
    ['across a year end', weekday('friday', '09:00'), '2026-12-31T12:00Z', {}, sendAt('2027-01-01T09:00Z')],
    ['onto a leap day', weekday('tuesday', '09:00'), '2028-02-27T12:00Z', {}, sendAt('2028-02-29T09:00Z')],
    // the weekday is the user's local one
    [
      'Friday in UTC but Saturday in Paris → next week',
      weekday('saturday', '09:00'),
      '2026-03-27T23:30Z',
      PARIS,
      sendAt('2026-04-04T09:00+02:00'),
    ],
    [
      'the same instant in company time (UTC) is Friday',
      weekday('saturday', '09:00', 'company'),
      '2026-03-27T23:30Z',
      PARIS,
      sendAt('2026-03-28T09:00Z'),
    ],
    [
      'a user with no zone uses the company zone',
      weekday('saturday', '09:00'),
      '2026-03-27T20:00Z',
      { companyTimeZone: 'Asia/Tokyo' },
      sendAt('2026-04-04T09:00+09:00'),
    ],
    // DST
    [
      'into the Paris gap',
      weekday('sunday', '02:30'),
      '2026-03-28T12:00+01:00',
      PARIS,
      sendAt('2026-03-29T03:30+02:00'),
    ],
    [
      'into the Paris repeated hour',
      weekday('sunday', '02:30'),
      '2026-10-24T12:00+02:00',
      PARIS,
      sendAt('2026-10-25T02:30+02:00'),
    ],
    [
      'across the Paris change, ordinary time',
      weekday('monday', '09:00'),
      '2026-03-28T12:00+01:00',
      PARIS,
      sendAt('2026-03-30T09:00+02:00'),
    ],
    [
      'into the New York gap',
      weekday('sunday', '02:30'),
      '2026-03-06T12:00-05:00',
      NEW_YORK,
      sendAt('2026-03-08T03:30-04:00'),
    ],
    [
      'into the New York repeated hour',
      weekday('sunday', '01:30'),
      '2026-10-30T12:00-04:00',
      NEW_YORK,
      sendAt('2026-11-01T01:30-04:00'),
    ],
    [
      'across the New York change, ordinary time',
      weekday('monday', '09:00'),
      '2026-10-31T12:00-04:00',
      NEW_YORK,
      sendAt('2026-11-02T09:00-05:00'),
    ],
  ])('%s', (_name, delay, triggeredAt, ctx, expected) => {
    expect(plan({ delay }, triggeredAt, ctx)).toEqual(expected);
  });
});

describe('delay: calendar days', () => {
  test.each<[string, Delay, string, Partial<TimingContext>, Readable]>([
    [
      'Monday 21:00 + 1 day at 09:00 → Tuesday 09:00',
      calendarDays(1, '09:00'),
      '2026-03-02T21:00Z',
      {},
      sendAt('2026-03-03T09:00Z'),
    ],
    [
      '+ 1 day at a later time than the trigger',
      calendarDays(1, '23:00'),
      '2026-03-02T21:00Z',
      {},
      sendAt('2026-03-03T23:00Z'),
    ],
    ['0 days, time still ahead today', calendarDays(0, '22:00'), '2026-03-02T21:00Z', {}, sendAt('2026-03-02T22:00Z')],
    ['0 days, time already passed', calendarDays(0, '09:00'), '2026-03-02T21:00Z', {}, suppressed('delay_in_past')],
    ['0 days, time exactly now', calendarDays(0, '21:00'), '2026-03-02T21:00Z', {}, suppressed('delay_in_past')],
    [
      '0 days, one millisecond ahead',
      calendarDays(0, '21:00'),
      '2026-03-02T20:59:59.999Z',
      {},
      sendAt('2026-03-02T21:00Z'),
    ],
    ['across January', calendarDays(1, '09:00'), '2026-01-31T12:00Z', {}, sendAt('2026-02-01T09:00Z')],
    ['across February (not leap)', calendarDays(1, '09:00'), '2026-02-28T12:00Z', {}, sendAt('2026-03-01T09:00Z')],
    ['across April', calendarDays(1, '09:00'), '2026-04-30T12:00Z', {}, sendAt('2026-05-01T09:00Z')],
    ['across the year end', calendarDays(1, '09:00'), '2026-12-31T23:00Z', {}, sendAt('2027-01-01T09:00Z')],
    ['10 days across the year end', calendarDays(10, '09:00'), '2026-12-25T12:00Z', {}, sendAt('2027-01-04T09:00Z')],
    ['onto a leap day', calendarDays(1, '09:00'), '2028-02-28T12:00Z', {}, sendAt('2028-02-29T09:00Z')],
    ['from a leap day', calendarDays(1, '09:00'), '2028-02-29T12:00Z', {}, sendAt('2028-03-01T09:00Z')],
    ['a year from a leap day', calendarDays(365, '09:00'), '2028-02-29T12:00Z', {}, sendAt('2029-02-28T09:00Z')],
    ['366 days', calendarDays(366, '09:00'), '2026-01-01T12:00Z', {}, sendAt('2027-01-02T09:00Z')],
    // the date is the local one
    [
      'Monday in UTC, Tuesday in Tokyo: + 0 days lands Tuesday',
      calendarDays(0, '09:00'),
      '2026-03-02T23:30Z',
      TOKYO,
      sendAt('2026-03-03T09:00+09:00'),
    ],
    [
      'the same instant in company time (UTC): in the past',
      calendarDays(0, '09:00', 'company'),
      '2026-03-02T23:30Z',
      TOKYO,
      suppressed('delay_in_past'),
    ],
    [
      'a user with no zone uses the company zone',
      calendarDays(1, '09:00'),
      '2026-03-02T23:30Z',
      { companyTimeZone: 'Asia/Tokyo' },
      sendAt('2026-03-04T09:00+09:00'),
    ],
    [
      'a user with an unusable zone uses the company zone',
      calendarDays(1, '09:00'),
      '2026-03-02T23:30Z',
      { userTimeZone: 'Nowhere/Land', companyTimeZone: 'Asia/Tokyo' },
      sendAt('2026-03-04T09:00+09:00'),
    ],
    // DST
    ['into the Paris gap', calendarDays(1, '02:30'), '2026-03-28T10:00+01:00', PARIS, sendAt('2026-03-29T03:30+02:00')],
    [
      'across the Paris gap, ordinary time',
      calendarDays(1, '09:00'),
      '2026-03-28T10:00+01:00',
      PARIS,
      sendAt('2026-03-29T09:00+02:00'),
    ],
    [
      '0 days, into the gap, an hour ahead',
      calendarDays(0, '02:30'),
      '2026-03-29T01:50+01:00',
      PARIS,
      sendAt('2026-03-29T03:30+02:00'),
    ],
    [
      'into the Paris repeated hour: the first one',
      calendarDays(1, '02:30'),
      '2026-10-24T10:00+02:00',
      PARIS,
      sendAt('2026-10-25T02:30+02:00'),
    ],
    [
      '0 days during the second 02:10: 02:30 resolves to the first, already past',
      calendarDays(0, '02:30'),
      '2026-10-25T02:10+01:00',
      PARIS,
      suppressed('delay_in_past'),
    ],
    [
      'into the New York gap',
      calendarDays(1, '02:30'),
      '2026-03-07T10:00-05:00',
      NEW_YORK,
      sendAt('2026-03-08T03:30-04:00'),
    ],
    [
      'into the New York repeated hour: the first one',
      calendarDays(1, '01:30'),
      '2026-10-31T10:00-04:00',
      NEW_YORK,
      sendAt('2026-11-01T01:30-04:00'),
    ],
    [
      'across the New York change, ordinary time',
      calendarDays(2, '09:00'),
      '2026-10-31T10:00-04:00',
      NEW_YORK,
      sendAt('2026-11-02T09:00-05:00'),
    ],
  ])('%s', (_name, delay, triggeredAt, ctx, expected) => {
    expect(plan({ delay }, triggeredAt, ctx)).toEqual(expected);
  });
});

describe('time window', () => {
  const NIGHT = window('22:00', '06:00');
  const NIGHT_NEXT = window('22:00', '06:00', true);
  const DAY = window('09:00', '21:00');
  const DAY_NEXT = window('09:00', '21:00', true);

  test.each<[string, Timing, string, Partial<TimingContext>, Readable]>([
    // the trigger against a window across midnight (no delay: S = T)
    [
      'T 21:59, before the night window',
      { time_window: NIGHT },
      '2026-03-02T21:59+09:00',
      TOKYO,
      suppressed('outside_time_window'),
    ],
    [
      'T 22:00, at the start',
      { time_window: NIGHT },
      '2026-03-02T22:00+09:00',
      TOKYO,
      sendAt('2026-03-02T22:00+09:00'),
    ],
    ['T 23:00', { time_window: NIGHT }, '2026-03-02T23:00+09:00', TOKYO, sendAt('2026-03-02T23:00+09:00')],
    ['T 05:59', { time_window: NIGHT }, '2026-03-03T05:59+09:00', TOKYO, sendAt('2026-03-03T05:59+09:00')],
    [
      'T 06:00, at the end (exclusive)',
      { time_window: NIGHT },
      '2026-03-03T06:00+09:00',
      TOKYO,
      suppressed('outside_time_window'),
    ],
    [
      'T 06:00 with send_at_next_available still refused',
      { time_window: NIGHT_NEXT },
      '2026-03-03T06:00+09:00',
      TOKYO,
      suppressed('outside_time_window'),
    ],
    // T inside, S outside
    [
      '23:00 + 1 h stays inside past midnight',
      { time_window: NIGHT, delay: seconds(3600) },
      '2026-03-02T23:00+09:00',
      TOKYO,
      sendAt('2026-03-03T00:00+09:00'),
    ],
    [
      '05:30 + 1 h leaves: refused',
      { time_window: NIGHT, delay: seconds(3600) },
      '2026-03-03T05:30+09:00',
      TOKYO,
      suppressed('outside_time_window'),
    ],
    [
      '05:30 + 1 h leaves: deferred to 22:00',
      { time_window: NIGHT_NEXT, delay: seconds(3600) },
      '2026-03-03T05:30+09:00',
      TOKYO,
      deferredTo('2026-03-03T22:00+09:00'),
    ],
    [
      '05:30 + 30 min lands on the end: deferred',
      { time_window: NIGHT_NEXT, delay: seconds(1800) },
      '2026-03-03T05:30+09:00',
      TOKYO,
      deferredTo('2026-03-03T22:00+09:00'),
    ],
    [
      '23:00 + 23 h lands on the start: not deferred',
      { time_window: NIGHT_NEXT, delay: seconds(23 * 3600) },
      '2026-03-02T23:00+09:00',
      TOKYO,
      sendAt('2026-03-03T22:00+09:00'),
    ],
    [
      '20:00 + 2 h: deferred across midnight to 09:00',
      { time_window: DAY_NEXT, delay: seconds(7200) },
      '2026-03-02T20:00Z',
      {},
      deferredTo('2026-03-03T09:00Z'),
    ],
    [
      '20:00 + 1 h lands on the end: refused',
      { time_window: DAY, delay: seconds(3600) },
      '2026-03-02T20:00Z',
      {},
      suppressed('outside_time_window'),
    ],
    ['09:00 exactly', { time_window: DAY }, '2026-03-02T09:00Z', {}, sendAt('2026-03-02T09:00Z')],
    [
      'across the year end',
      { time_window: DAY_NEXT, delay: seconds(7200) },
      '2026-12-31T20:00Z',
      {},
      deferredTo('2027-01-01T09:00Z'),
    ],
    // with local-time delays
    [
      'next Saturday 08:00, window from 09:00: deferred',
      { time_window: DAY_NEXT, delay: weekday('saturday', '08:00') },
      '2026-03-06T12:00Z',
      {},
      deferredTo('2026-03-07T09:00Z'),
    ],
    [
      'next Saturday 08:00, window from 09:00: refused',
      { time_window: DAY, delay: weekday('saturday', '08:00') },
      '2026-03-06T12:00Z',
      {},
      suppressed('outside_time_window'),
    ],
    [
      '+1 day at 22:30, window to 21:00: deferred a day',
      { time_window: DAY_NEXT, delay: calendarDays(1, '22:30') },
      '2026-03-02T12:00Z',
      {},
      deferredTo('2026-03-04T09:00Z'),
    ],
    // across DST: the opening keeps its local time
    [
      'Paris 20:30 + 1 h on spring-forward eve',
      { time_window: DAY_NEXT, delay: seconds(3600) },
      '2026-03-28T20:30+01:00',
      PARIS,
      deferredTo('2026-03-29T09:00+02:00'),
    ],
    [
      'Paris 20:30 + 1 h on fall-back eve',
      { time_window: DAY_NEXT, delay: seconds(3600) },
      '2026-10-24T20:30+02:00',
      PARIS,
      deferredTo('2026-10-25T09:00+01:00'),
    ],
    [
      'New York 20:30 + 1 h on spring-forward eve',
      { time_window: DAY_NEXT, delay: seconds(3600) },
      '2026-03-07T20:30-05:00',
      NEW_YORK,
      deferredTo('2026-03-08T09:00-04:00'),
    ],
    [
      'New York 20:30 + 1 h on fall-back eve',
      { time_window: DAY_NEXT, delay: seconds(3600) },
      '2026-10-31T20:30-04:00',
      NEW_YORK,
      deferredTo('2026-11-01T09:00-05:00'),
    ],
    // the spring-forward night is an hour shorter: 22:00 + 7 h reaches 06:00 local and leaves the night window
    [
      'Paris night window, 22:00 + 7 h on a winter night',
      { time_window: NIGHT_NEXT, delay: seconds(7 * 3600) },
      '2026-03-21T22:00+01:00',
      PARIS,
      sendAt('2026-03-22T05:00+01:00'),
    ],
    [
      'Paris night window, 22:00 + 7 h on the spring-forward night',
      { time_window: NIGHT_NEXT, delay: seconds(7 * 3600) },
      '2026-03-28T22:00+01:00',
      PARIS,
      deferredTo('2026-03-29T22:00+02:00'),
    ],
    // ...and the fall-back night an hour longer
    [
      'Paris night window, 22:00 + 8 h on the fall-back night',
      { time_window: NIGHT_NEXT, delay: seconds(8 * 3600) },
      '2026-10-24T22:00+02:00',
      PARIS,
      sendAt('2026-10-25T05:00+01:00'),
    ],
    [
      'New York night window, 22:00 + 8 h on the fall-back night',
      { time_window: NIGHT_NEXT, delay: seconds(8 * 3600) },
      '2026-10-31T22:00-04:00',
      NEW_YORK,
      sendAt('2026-11-01T05:00-05:00'),
    ],
    [
      'New York night window, 22:00 + 7 h on the spring-forward night',
      { time_window: NIGHT_NEXT, delay: seconds(7 * 3600) },
      '2026-03-07T22:00-05:00',
      NEW_YORK,
      deferredTo('2026-03-08T22:00-04:00'),
    ],
    // an opening inside the gap moves forward by the gap
    [
      'window from 02:30 on spring-forward night',
      { time_window: window('02:30', '23:00', true), delay: seconds(3600) },
      '2026-03-28T22:30+01:00',
      PARIS,
      deferredTo('2026-03-29T03:30+02:00'),
    ],
    // start == end: open all day, never deferred
    [
      'all-day window, night trigger',
      { time_window: window('00:00', '00:00'), delay: seconds(3600) },
      '2026-03-02T23:30Z',
      {},
      sendAt('2026-03-03T00:30Z'),
    ],
    [
      'all-day window, any hour',
      { time_window: window('09:00', '09:00') },
      '2026-03-02T08:59Z',
      {},
      sendAt('2026-03-02T08:59Z'),
    ],
    // which zone
    [
      'a user with no zone: the company zone',
      { time_window: DAY },
      '2026-03-02T08:30Z',
      { companyTimeZone: 'Europe/Paris' },
      sendAt('2026-03-02T08:30Z'),
    ],
    [
      'a user with no zone: the company zone (outside)',
      { time_window: DAY },
      '2026-03-02T07:30Z',
      { companyTimeZone: 'Europe/Paris' },
      suppressed('outside_time_window'),
    ],
    [
      'user zone wins over the company zone',
      { time_window: DAY },
      '2026-03-02T01:00Z',
      { ...TOKYO, companyTimeZone: 'Europe/Paris' },
      sendAt('2026-03-02T01:00Z'),
    ],
    [
      'company window ignores the user zone',
      { time_window: window('09:00', '21:00', false, 'company') },
      '2026-03-02T01:00Z',
      { ...TOKYO, companyTimeZone: 'Europe/Paris' },
      suppressed('outside_time_window'),
    ],
  ])('%s', (_name, timing, triggeredAt, ctx, expected) => {
    expect(plan(timing, triggeredAt, ctx)).toEqual(expected);
  });
});

describe('order of the checks', () => {
  test.each<[string, Timing, string, Partial<TimingContext>, Readable]>([
    [
      'before launch wins over outside the window',
      { starts_at: '2026-03-03T00:00:00Z', time_window: window('09:00', '21:00') },
      '2026-03-02T22:00Z',
      {},
      suppressed('event_before_launch'),
    ],
    [
      'after the end wins over outside the window',
      { ends_at: '2026-03-01T00:00:00Z', time_window: window('09:00', '21:00') },
      '2026-03-02T22:00Z',
      {},
      suppressed('outside_duration'),
    ],
    [
      'trigger outside the window wins over a delay in the past',
      { delay: calendarDays(0, '09:00'), time_window: window('09:00', '21:00') },
      '2026-03-02T22:00Z',
      {},
      suppressed('outside_time_window'),
    ],
    [
      'delay in the past wins over the send-time window',
      { delay: calendarDays(0, '09:00'), time_window: window('09:00', '21:00', true) },
      '2026-03-02T20:00Z',
      {},
      suppressed('delay_in_past'),
    ],
  ])('%s', (_name, timing, triggeredAt, ctx, expected) => {
    expect(plan(timing, triggeredAt, ctx)).toEqual(expected);
  });
});
