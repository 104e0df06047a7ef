import type { TimeWindow } from '../../schemas/campaign.ts';
import { addDays, localDateOf, localDateTimeToInstant, minutesOfDay, offsetMs, type LocalDate } from './local-time.ts';

type WindowHours = Pick<TimeWindow, 'start' | 'end'>;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Whether the window is open at `instant`, reading its hours in `zone` (already resolved from
 * `window.time_zone`). The window opened on local day D runs from D at `start` (inclusive) to
 * `end` (exclusive) on D, or on D+1 when `end` is earlier than `start`. `start` == `end` is open
 * all day. Both bounds are local times, resolved like any other (DST gap → forward, repeat → earlier).
 */
export function isInsideWindow(window: WindowHours, instant: number, zone: string): boolean {
  if (isAllDay(window)) return true;
  const offset = steadyOffset(zone, instant);
  if (offset !== null) return isInsideWallClock(window, minuteOfDay(instant + offset));
  const today = localDateOf(instant, zone);
  // A bound pushed past midnight by a gap can make the window of D-2 still open on D.
  return [-2, -1, 0, 1].some((days) => {
    const [opens, closes] = openingOn(window, addDays(today, days), zone);
    return opens <= instant && instant < closes;
  });
}

/** `instant` itself when the window is open then, else the next instant it opens. */
export function nextWindowOpening(window: WindowHours, instant: number, zone: string): number {
  if (isInsideWindow(window, instant, zone)) return instant;
  const offset = steadyOffset(zone, instant);
  if (offset !== null) {
    const minutesToOpening = (minutesOfDay(window.start) - minuteOfDay(instant + offset) + 1440) % 1440;
    return Math.floor(instant / MINUTE_MS) * MINUTE_MS + minutesToOpening * MINUTE_MS;
  }
  const today = localDateOf(instant, zone);
  // A window shrunk to nothing by a DST gap does not open that day, so look a few days ahead.
  for (let days = -1; days <= 3; days++) {
    const [opens, closes] = openingOn(window, addDays(today, days), zone);
    if (opens >= instant && opens < closes) return opens;
  }
  throw new Error(
    `time window ${window.start}-${window.end} never opens after ${new Date(instant).toISOString()} in ${zone}`,
  );
}

/**
 * The offset when it is the same 3 days before `instant` and 4 days after, else null (no zone
 * changes offset twice within a week). Zone offsets are slow to read (Intl), and with no transition
 * nearby the bounds are plain wall-clock minutes, so this spares resolving every bound of nearby days.
 */
function steadyOffset(zone: string, instant: number): number | null {
  const offset = offsetMs(zone, instant);
  return offsetMs(zone, instant - 3 * DAY_MS) === offset && offsetMs(zone, instant + 4 * DAY_MS) === offset
    ? offset
    : null;
}

function minuteOfDay(wallClockAsUtc: number): number {
  return Math.floor((((wallClockAsUtc % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
}

function isInsideWallClock(window: WindowHours, minute: number): boolean {
  const start = minutesOfDay(window.start);
  const end = minutesOfDay(window.end);
  return start < end ? start <= minute && minute < end : minute >= start || minute < end;
}

function isAllDay(window: WindowHours): boolean {
  return minutesOfDay(window.start) === minutesOfDay(window.end);
}

function openingOn(window: WindowHours, day: LocalDate, zone: string): [number, number] {
  const crossesMidnight = minutesOfDay(window.end) < minutesOfDay(window.start);
  const endDay = crossesMidnight ? addDays(day, 1) : day;
  return [localDateTimeToInstant(day, window.start, zone), localDateTimeToInstant(endDay, window.end, zone)];
}
