import { describe, expect, test } from 'vitest';
import { isInsideWindow, nextWindowOpening } from '../../../src/core/campaigns/time-window.ts';

const iso = (instant: number): string => new Date(instant).toISOString();
const utc = (withOffset: string): string => iso(Date.parse(withOffset));
const hours = (start: string, end: string) => ({ start, end });

describe('isInsideWindow', () => {
  // start inclusive, end exclusive
  test.each([
    ['09:00', '21:00', 'UTC', '2026-03-02T08:59Z', false],
    ['09:00', '21:00', 'UTC', '2026-03-02T09:00Z', true],
    ['09:00', '21:00', 'UTC', '2026-03-02T20:59:59.999Z', true],
    ['09:00', '21:00', 'UTC', '2026-03-02T21:00Z', false],
    ['09:00', '21:00', 'Asia/Tokyo', '2026-03-02T00:00Z', true], // 09:00 JST
    ['09:00', '21:00', 'Asia/Tokyo', '2026-03-02T12:00Z', false], // 21:00 JST
  ])('%s-%s in %s at %s: %s', (start, end, zone, instant, expected) => {
    expect(isInsideWindow(hours(start, end), Date.parse(instant), zone)).toBe(expected);
  });

  test.each([
    ['2026-03-02T21:59+09:00', false],
    ['2026-03-02T22:00+09:00', true],
    ['2026-03-02T23:00+09:00', true],
    ['2026-03-03T00:00+09:00', true],
    ['2026-03-03T05:59+09:00', true],
    ['2026-03-03T06:00+09:00', false],
    ['2026-03-03T12:00+09:00', false],
  ])('22:00-06:00 (across midnight) in Tokyo at %s: %s', (instant, expected) => {
    expect(isInsideWindow(hours('22:00', '06:00'), Date.parse(instant), 'Asia/Tokyo')).toBe(expected);
  });

  test.each(['2026-03-02T00:00Z', '2026-03-02T08:59Z', '2026-03-02T09:00Z', '2026-03-02T23:59Z', '2026-03-29T01:30Z'])(
    'start == end is open all day: %s',
    (instant) => {
      expect(isInsideWindow(hours('09:00', '09:00'), Date.parse(instant), 'Europe/Paris')).toBe(true);
    },
  );

  test.each([
    // an ordinary window on DST days follows the local clock
    ['09:00', '21:00', 'Europe/Paris', '2026-03-29T08:59+02:00', false],
    ['09:00', '21:00', 'Europe/Paris', '2026-03-29T09:00+02:00', true],
    ['09:00', '21:00', 'Europe/Paris', '2026-10-25T09:00+01:00', true],
    ['09:00', '21:00', 'Europe/Paris', '2026-10-25T21:00+01:00', false],
    ['09:00', '21:00', 'America/New_York', '2026-03-08T09:00-04:00', true],
    ['09:00', '21:00', 'America/New_York', '2026-11-01T08:59-05:00', false],
    ['22:00', '06:00', 'Europe/Paris', '2026-03-29T05:59+02:00', true],
    ['22:00', '06:00', 'Europe/Paris', '2026-03-29T06:00+02:00', false],
    ['22:00', '06:00', 'Europe/Paris', '2026-10-25T05:59+01:00', true],
    ['22:00', '06:00', 'Europe/Paris', '2026-10-25T06:00+01:00', false],
    // a start in the gap moves forward by the gap: 02:30 opens at 03:30
    ['02:30', '05:00', 'Europe/Paris', '2026-03-29T03:00+02:00', false],
    ['02:30', '05:00', 'Europe/Paris', '2026-03-29T03:29+02:00', false],
    ['02:30', '05:00', 'Europe/Paris', '2026-03-29T03:30+02:00', true],
    // an end in the gap too: 01:30-02:30 closes at 03:30
    ['01:30', '02:30', 'Europe/Paris', '2026-03-29T01:30+01:00', true],
    ['01:30', '02:30', 'Europe/Paris', '2026-03-29T03:29+02:00', true],
    ['01:30', '02:30', 'Europe/Paris', '2026-03-29T03:30+02:00', false],
    // a repeated bound takes its first occurrence: 22:00-02:30 closes at 02:30 summer time
    ['22:00', '02:30', 'Europe/Paris', '2026-10-25T02:29+02:00', true],
    ['22:00', '02:30', 'Europe/Paris', '2026-10-25T02:30+02:00', false],
    ['22:00', '02:30', 'Europe/Paris', '2026-10-25T02:10+01:00', false],
    ['01:00', '01:30', 'America/New_York', '2026-11-01T01:10-04:00', true],
    ['01:00', '01:30', 'America/New_York', '2026-11-01T01:10-05:00', false],
  ])('%s-%s in %s at %s: %s', (start, end, zone, instant, expected) => {
    expect(isInsideWindow(hours(start, end), Date.parse(instant), zone)).toBe(expected);
  });
});

describe('nextWindowOpening', () => {
  test.each([
    // already open: the instant itself
    ['09:00', '21:00', 'UTC', '2026-03-02T12:34:56.789Z', '2026-03-02T12:34:56.789Z'],
    ['09:00', '21:00', 'UTC', '2026-03-02T09:00Z', '2026-03-02T09:00Z'],
    ['09:00', '09:00', 'UTC', '2026-03-02T03:00Z', '2026-03-02T03:00Z'],
    // before the opening: later the same day; at or after the close: the next day
    ['09:00', '21:00', 'UTC', '2026-03-02T08:00Z', '2026-03-02T09:00Z'],
    ['09:00', '21:00', 'UTC', '2026-03-02T21:00Z', '2026-03-03T09:00Z'],
    ['09:00', '21:00', 'UTC', '2026-03-02T23:59Z', '2026-03-03T09:00Z'],
    ['09:00', '21:00', 'UTC', '2026-12-31T22:00Z', '2027-01-01T09:00Z'],
    // across midnight
    ['22:00', '06:00', 'Asia/Tokyo', '2026-03-03T06:00+09:00', '2026-03-03T22:00+09:00'],
    ['22:00', '06:00', 'Asia/Tokyo', '2026-03-03T12:00+09:00', '2026-03-03T22:00+09:00'],
    ['22:00', '06:00', 'Asia/Tokyo', '2026-03-03T21:59+09:00', '2026-03-03T22:00+09:00'],
    // across a DST change: the next day's opening is at the new offset
    ['09:00', '21:00', 'Europe/Paris', '2026-03-28T21:00+01:00', '2026-03-29T09:00+02:00'],
    ['09:00', '21:00', 'Europe/Paris', '2026-10-24T22:00+02:00', '2026-10-25T09:00+01:00'],
    ['09:00', '21:00', 'America/New_York', '2026-03-07T21:30-05:00', '2026-03-08T09:00-04:00'],
    ['09:00', '21:00', 'America/New_York', '2026-10-31T21:30-04:00', '2026-11-01T09:00-05:00'],
    ['22:00', '06:00', 'Europe/Paris', '2026-03-29T06:00+02:00', '2026-03-29T22:00+02:00'],
    ['22:00', '06:00', 'Europe/Paris', '2026-10-25T06:00+01:00', '2026-10-25T22:00+01:00'],
    // an opening in the gap moves forward by the gap
    ['02:30', '05:00', 'Europe/Paris', '2026-03-29T01:00+01:00', '2026-03-29T03:30+02:00'],
    ['02:30', '05:00', 'America/New_York', '2026-03-08T01:00-05:00', '2026-03-08T03:30-04:00'],
    // a window the gap shrinks to nothing (03:30-03:15) does not open that day
    ['02:30', '03:15', 'Europe/Paris', '2026-03-29T01:00+01:00', '2026-03-30T02:30+02:00'],
    // a repeated opening takes its first occurrence
    ['02:30', '04:00', 'Europe/Paris', '2026-10-25T01:00+02:00', '2026-10-25T02:30+02:00'],
    // ...and is not reopened by the second occurrence (01:00 EST)
    ['01:00', '01:30', 'America/New_York', '2026-11-01T01:40-04:00', '2026-11-02T01:00-05:00'],
    // bounds resolve one by one: 01:30 (first, EDT) to 02:00 (EST) lasts 90 minutes, so 01:45 EST is inside
    ['01:30', '02:00', 'America/New_York', '2026-11-01T01:45-05:00', '2026-11-01T01:45-05:00'],
  ])('%s-%s in %s from %s: %s', (start, end, zone, instant, expected) => {
    expect(iso(nextWindowOpening(hours(start, end), Date.parse(instant), zone))).toBe(utc(expected));
  });

  // Sweep every 15 minutes (every bound below is on a quarter hour) over DST weekends and quiet weeks: the opening is inside the window and nothing between is.
  const WINDOWS = [
    hours('09:00', '21:00'),
    hours('22:00', '06:00'),
    hours('02:30', '05:00'),
    hours('01:30', '02:30'),
    hours('02:15', '02:45'),
    hours('23:00', '02:30'),
  ];
  const WEEKENDS = [
    ['Europe/Paris', '2026-03-28T00:00Z'],
    ['Europe/Paris', '2026-10-24T00:00Z'],
    ['America/New_York', '2026-03-07T00:00Z'],
    ['America/New_York', '2026-10-31T00:00Z'],
    ['Europe/Paris', '2026-03-24T00:00Z'], // from far from the change to near it
    ['Australia/Lord_Howe', '2026-10-02T00:00Z'], // a 30-minute change
    ['Asia/Tokyo', '2026-03-02T00:00Z'], // no change at all
  ] as const;
  test.each(WEEKENDS.flatMap(([zone, from]) => WINDOWS.map((window) => [zone, from, window] as const)))(
    'sweep %s from %s, %o',
    (zone, from, window) => {
      const step = 15 * 60_000;
      const samples = Array.from({ length: 4 * 96 }, (_, i) => Date.parse(from) + i * step);
      const inside = samples.map((instant) => isInsideWindow(window, instant, zone));
      let nextInside = Number.POSITIVE_INFINITY;
      for (let i = samples.length - 1; i >= 0; i--) {
        if (inside[i]) nextInside = samples[i]!;
        if (i >= 3 * 96) continue; // the last day only serves as lookahead
        const opening = nextWindowOpening(window, samples[i]!, zone);
        expect(opening).toBeGreaterThanOrEqual(samples[i]!);
        expect(opening).toBeLessThanOrEqual(nextInside);
        expect(isInsideWindow(window, opening, zone)).toBe(true);
      }
    },
  );
});
