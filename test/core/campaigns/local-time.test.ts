import { describe, expect, test } from 'vitest';
import {
  addDays,
  localDateOf,
  localDateTimeToInstant,
  minutesOfDay,
  resolveZone,
  weekdayOf,
} from '../../../src/core/campaigns/local-time.ts';

const iso = (instant: number): string => new Date(instant).toISOString();
const utc = (withOffset: string): string => iso(Date.parse(withOffset));

describe('localDateTimeToInstant', () => {
  test.each([
    // ordinary times
    ['2026-01-15', '09:00', 'UTC', '2026-01-15T09:00Z'],
    ['2026-01-15', '09:00', 'Asia/Tokyo', '2026-01-15T09:00+09:00'],
    ['2026-01-15', '09:00', 'Europe/Paris', '2026-01-15T09:00+01:00'],
    ['2026-07-15', '09:00', 'Europe/Paris', '2026-07-15T09:00+02:00'],
    ['2026-01-15', '00:00', 'America/New_York', '2026-01-15T00:00-05:00'],
    ['2026-07-15', '23:59', 'America/New_York', '2026-07-15T23:59-04:00'],
    ['2028-02-29', '12:00', 'Asia/Tokyo', '2028-02-29T12:00+09:00'],
  ])('%s %s in %s is %s', (date, time, zone, expected) => {
    expect(iso(localDateTimeToInstant(date, time, zone))).toBe(utc(expected));
  });

  // Spring forward: the skipped local time moves forward by the length of the gap.
  test.each([
    ['2026-03-29', '01:59', 'Europe/Paris', '2026-03-29T01:59+01:00'],
    ['2026-03-29', '02:00', 'Europe/Paris', '2026-03-29T03:00+02:00'],
    ['2026-03-29', '02:30', 'Europe/Paris', '2026-03-29T03:30+02:00'],
    ['2026-03-29', '02:59', 'Europe/Paris', '2026-03-29T03:59+02:00'],
    ['2026-03-29', '03:00', 'Europe/Paris', '2026-03-29T03:00+02:00'],
    ['2026-03-08', '01:59', 'America/New_York', '2026-03-08T01:59-05:00'],
    ['2026-03-08', '02:00', 'America/New_York', '2026-03-08T03:00-04:00'],
    ['2026-03-08', '02:30', 'America/New_York', '2026-03-08T03:30-04:00'],
    ['2026-03-08', '03:00', 'America/New_York', '2026-03-08T03:00-04:00'],
    // a 30-minute gap moves by 30 minutes
    ['2026-10-04', '02:15', 'Australia/Lord_Howe', '2026-10-04T02:45+11:00'],
    // a gap at midnight: the local day starts at 01:00
    ['2026-09-06', '00:00', 'America/Santiago', '2026-09-06T01:00-03:00'],
    ['2026-09-06', '00:30', 'America/Santiago', '2026-09-06T01:30-03:00'],
    // Samoa skipped 30 December 2011 entirely: a 24-hour gap
    ['2011-12-30', '12:00', 'Pacific/Apia', '2011-12-31T12:00+14:00'],
  ])('gap: %s %s in %s becomes %s', (date, time, zone, expected) => {
    expect(iso(localDateTimeToInstant(date, time, zone))).toBe(utc(expected));
  });

  // Fall back: a repeated local time takes the earlier instant (the pre-transition offset).
  test.each([
    ['2026-10-25', '01:59', 'Europe/Paris', '2026-10-25T01:59+02:00'],
    ['2026-10-25', '02:00', 'Europe/Paris', '2026-10-25T02:00+02:00'],
    ['2026-10-25', '02:30', 'Europe/Paris', '2026-10-25T02:30+02:00'],
    ['2026-10-25', '02:59', 'Europe/Paris', '2026-10-25T02:59+02:00'],
    ['2026-10-25', '03:00', 'Europe/Paris', '2026-10-25T03:00+01:00'],
    ['2026-11-01', '00:59', 'America/New_York', '2026-11-01T00:59-04:00'],
    ['2026-11-01', '01:00', 'America/New_York', '2026-11-01T01:00-04:00'],
    ['2026-11-01', '01:30', 'America/New_York', '2026-11-01T01:30-04:00'],
    ['2026-11-01', '02:00', 'America/New_York', '2026-11-01T02:00-05:00'],
    ['2026-04-04', '23:30', 'America/Santiago', '2026-04-04T23:30-03:00'],
  ])('repeat: %s %s in %s is %s', (date, time, zone, expected) => {
    expect(iso(localDateTimeToInstant(date, time, zone))).toBe(utc(expected));
  });

  test.each([
    ['2026-02-30', '09:00', 'UTC', /date/],
    ['2027-02-29', '09:00', 'UTC', /date/],
    ['2026-1-05', '09:00', 'UTC', /date/],
    ['2026-01-05', '24:00', 'UTC', /time/],
    ['2026-01-05', '9:00', 'UTC', /time/],
    ['2026-01-05', '09:00', 'Mars/Olympus_Mons', /zone/],
  ])('%s %s in %s is refused', (date, time, zone, message) => {
    expect(() => localDateTimeToInstant(date, time, zone)).toThrow(message);
  });
});

describe('localDateOf', () => {
  test.each([
    ['2026-03-02T23:30Z', 'UTC', '2026-03-02'],
    ['2026-03-02T23:30Z', 'Asia/Tokyo', '2026-03-03'],
    ['2026-03-02T03:00Z', 'America/New_York', '2026-03-01'],
    ['2026-03-28T23:30Z', 'Europe/Paris', '2026-03-29'],
    ['2026-10-25T00:30Z', 'Europe/Paris', '2026-10-25'],
    ['2026-12-31T15:00Z', 'Asia/Tokyo', '2027-01-01'],
  ])('%s in %s is on %s', (instant, zone, expected) => {
    expect(localDateOf(Date.parse(instant), zone)).toBe(expected);
  });
});

describe('addDays', () => {
  test.each([
    ['2026-01-31', 1, '2026-02-01'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2026-04-30', 1, '2026-05-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-12-25', 10, '2027-01-04'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2028-02-29', 1, '2028-03-01'],
    ['2028-02-29', 365, '2029-02-28'],
    ['2026-03-29', 0, '2026-03-29'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-01-01', 366, '2027-01-02'],
  ])('%s + %i days is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});

describe('weekdayOf', () => {
  test.each([
    ['2026-03-01', 'sunday'],
    ['2026-03-02', 'monday'],
    ['2026-03-27', 'friday'],
    ['2026-03-28', 'saturday'],
    ['2026-03-29', 'sunday'],
    ['2028-02-29', 'tuesday'],
  ])('%s is a %s', (date, expected) => {
    expect(weekdayOf(date)).toBe(expected);
  });
});

describe('minutesOfDay', () => {
  test.each([
    ['00:00', 0],
    ['06:00', 360],
    ['23:59', 1439],
  ])('%s is minute %i', (time, expected) => {
    expect(minutesOfDay(time)).toBe(expected);
  });
});

describe('resolveZone', () => {
  test.each([
    ['user', 'Europe/Paris', 'Asia/Tokyo', 'Europe/Paris'],
    ['user', null, 'Asia/Tokyo', 'Asia/Tokyo'],
    ['user', '', 'Asia/Tokyo', 'Asia/Tokyo'],
    ['user', 'Not/AZone', 'Asia/Tokyo', 'Asia/Tokyo'],
    ['company', 'Europe/Paris', 'Asia/Tokyo', 'Asia/Tokyo'],
    ['company', null, 'UTC', 'UTC'],
  ] as const)('%s with user zone %j and company zone %s is %s', (choice, userTimeZone, companyTimeZone, expected) => {
    expect(resolveZone(choice, { userTimeZone, companyTimeZone })).toBe(expected);
  });
});
