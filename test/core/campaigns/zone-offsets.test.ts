import { IANAZone } from 'luxon';
import { describe, expect, test } from 'vitest';
import { zoneOffsetMs } from '../../../src/core/campaigns/zone-offsets.ts';

const ZONES = [
  'Europe/Paris',
  'America/New_York',
  'America/Sao_Paulo',
  'America/St_Johns',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Antarctica/Troll',
  'UTC',
];
const intlOffsetMs = (zone: string, instant: number) => IANAZone.create(zone).offset(instant) * 60_000;

/** A deterministic stream of numbers in [0, 1). */
function randoms(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

describe('zone offsets, read once per zone and year, agree with Intl', () => {
  test.each(ZONES)('%s at 400 random instants from 2000 to 2035', (zone) => {
    const next = randoms(zone.length * 7919);
    const from = Date.UTC(2000, 0, 1);
    const to = Date.UTC(2035, 0, 1);
    for (let i = 0; i < 400; i++) {
      const instant = Math.floor(from + next() * (to - from));
      expect([zone, new Date(instant).toISOString(), zoneOffsetMs(zone, instant)]).toEqual([
        zone,
        new Date(instant).toISOString(),
        intlOffsetMs(zone, instant),
      ]);
    }
  });

  test.each(ZONES)('%s to the millisecond around every transition of 2024–2028', (zone) => {
    const STEP = 6 * 3_600_000;
    for (let at = Date.UTC(2024, 0, 1); at < Date.UTC(2028, 0, 1); at += STEP) {
      if (intlOffsetMs(zone, at) === intlOffsetMs(zone, at + STEP)) continue;
      // A change within these six hours: find it, then check just before, at and after it.
      let [low, high] = [at, at + STEP];
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (intlOffsetMs(zone, middle) === intlOffsetMs(zone, high)) high = middle;
        else low = middle;
      }
      for (const instant of [high - 1, high, high + 1])
        expect([zone, instant, zoneOffsetMs(zone, instant)]).toEqual([zone, instant, intlOffsetMs(zone, instant)]);
    }
  });

  test('Paris springs forward at 01:00 UTC on the last Sunday of March 2026, and the year boundary is exact', () => {
    expect(zoneOffsetMs('Europe/Paris', Date.UTC(2026, 2, 29, 0, 59, 59, 999))).toBe(3_600_000);
    expect(zoneOffsetMs('Europe/Paris', Date.UTC(2026, 2, 29, 1))).toBe(7_200_000);
    expect(zoneOffsetMs('Europe/Paris', Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toBe(3_600_000);
    expect(zoneOffsetMs('Pacific/Chatham', Date.UTC(2027, 0, 1))).toBe(13.75 * 3_600_000);
  });

  test('an unknown zone is refused', () => {
    expect(() => zoneOffsetMs('Mars/Olympus_Mons', 0)).toThrow(/unknown time zone/);
  });
});
