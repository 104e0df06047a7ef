import { isTimeZone } from '../locale.ts';
import { zoneOffsetMs as offsetMs } from './zone-offsets.ts';

/** A calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;
/** A time of day, `HH:MM` (24-hour). */
export type LocalTime = string;
export type ZoneChoice = 'user' | 'company';

export interface ZoneContext {
  userTimeZone: string | null;
  companyTimeZone: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const RESOLVED_CACHE_SIZE = 10_000;
const resolved = new Map<string, number>();
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `user` → the user's zone, else the company's; `company` → the company's. */
export function resolveZone(choice: ZoneChoice, ctx: ZoneContext): string {
  // A zone the profile cannot use (empty, or not IANA) counts as no zone rather than failing the send.
  if (choice === 'user' && ctx.userTimeZone && isTimeZone(ctx.userTimeZone)) return ctx.userTimeZone;
  return ctx.companyTimeZone;
}

/**
 * The instant (epoch ms) at which the clock in `zone` reads `date` `time`.
 * A time skipped by a DST gap moves forward by the gap's length (02:30 → 03:30); a time that
 * occurs twice takes the earlier instant. Deterministic, unlike Luxon's `fromObject`, whose choice
 * in a repeated hour depends on the current clock.
 */
export function localDateTimeToInstant(date: LocalDate, time: LocalTime, zone: string): number {
  const key = `${zone} ${date} ${time}`;
  let instant = resolved.get(key);
  if (instant === undefined) {
    instant = resolve(date, time, zone);
    // Reading zone offsets goes through Intl and is slow; windows and delays keep asking for the same few days.
    if (resolved.size >= RESOLVED_CACHE_SIZE) resolved.clear();
    resolved.set(key, instant);
  }
  return instant;
}

function resolve(date: LocalDate, time: LocalTime, zone: string): number {
  const wall = wallClockAsUtc(date, time);
  const offsetBefore = offsetMs(zone, wall - DAY_MS);
  const offsetAfter = offsetMs(zone, wall + DAY_MS);
  const matches = [wall - offsetBefore, wall - offsetAfter].filter(
    (instant) => offsetMs(zone, instant) === wall - instant,
  );
  if (matches.length > 0) return Math.min(...matches);
  // In a gap: read with the offset in force before it, which lands the length of the gap later.
  return wall - offsetBefore;
}

/** The date the clock in `zone` shows at `instant`. */
export function localDateOf(instant: number, zone: string): LocalDate {
  return new Date(instant + offsetMs(zone, instant)).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function weekdayOf(date: LocalDate): Weekday {
  const weekday = WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()];
  if (weekday === undefined) throw new Error(`weekdayOf: '${date}' is not a YYYY-MM-DD date`);
  return weekday;
}

/** Minutes since local midnight of an `HH:MM` time. */
export function minutesOfDay(time: LocalTime): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new RangeError(`not an HH:MM time: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function wallClockAsUtc(date: LocalDate, time: LocalTime): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  // Date.UTC rolls 02-30 over to 03-02; the round trip catches it.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date)
    throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return ms + minutesOfDay(time) * MINUTE_MS;
}

/** The zone's UTC offset at `instant`, in ms. */
export { offsetMs };
