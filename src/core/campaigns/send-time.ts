import type { Delay, TimeWindow } from '../../schemas/campaign.ts';
import {
  addDays,
  localDateOf,
  localDateTimeToInstant,
  resolveZone,
  WEEKDAYS,
  weekdayOf,
  type ZoneContext,
} from './local-time.ts';
import { isInsideWindow, nextWindowOpening } from './time-window.ts';

export { localDateTimeToInstant, resolveZone } from './local-time.ts';
export { isInsideWindow, nextWindowOpening } from './time-window.ts';

export interface Timing {
  delay?: Delay | null;
  time_window?: TimeWindow | null;
  starts_at?: string | null;
  ends_at?: string | null;
}

export interface TimingContext extends ZoneContext {
  /** When the trigger was processed (T), epoch ms. */
  triggeredAt: number;
  /** When the campaign last became active, epoch ms; null when unknown. */
  activatedAt: number | null;
}

export type SuppressReason = 'event_before_launch' | 'outside_duration' | 'delay_in_past' | 'outside_time_window';

export type SendTimeDecision =
  | { kind: 'send'; at: number; deferred: boolean } // deferred: moved to the next window opening
  | { kind: 'suppress'; reason: SuppressReason };

/**
 * When a triggered campaign message goes, or why it does not (campaigns.md, "When the message goes" 1-4).
 * Checks at the trigger come first (launch, duration, window), then the send time (delay, window, duration).
 */
export function planSendTime(timing: Timing, ctx: TimingContext): SendTimeDecision {
  const triggeredAt = ctx.triggeredAt;
  const startsAt = parseInstant(timing.starts_at);
  const endsAt = parseInstant(timing.ends_at);
  if ((startsAt !== null && triggeredAt < startsAt) || (ctx.activatedAt !== null && triggeredAt < ctx.activatedAt)) {
    return suppress('event_before_launch');
  }
  if (endsAt !== null && triggeredAt > endsAt) return suppress('outside_duration');

  const window = timing.time_window ?? null;
  const windowZone = window ? resolveZone(window.time_zone, ctx) : '';
  if (window && !isInsideWindow(window, triggeredAt, windowZone)) return suppress('outside_time_window');

  const delayed = applyDelay(timing.delay ?? null, ctx);
  if (delayed <= triggeredAt && isLocalTimeDelay(timing.delay)) return suppress('delay_in_past');

  let at = delayed;
  let deferred = false;
  if (window && !isInsideWindow(window, delayed, windowZone)) {
    if (!window.send_at_next_available) return suppress('outside_time_window');
    at = nextWindowOpening(window, delayed, windowZone);
    deferred = true;
  }
  if (endsAt !== null && at > endsAt) return suppress('outside_duration');
  return { kind: 'send', at, deferred };
}

/** The send time S before any time-window deferral. */
export function applyDelay(delay: Delay | null, ctx: TimingContext): number {
  const triggeredAt = ctx.triggeredAt;
  if (delay === null) return triggeredAt;
  switch (delay.type) {
    case 'duration':
      return triggeredAt + delay.seconds * 1000;
    case 'next_weekday': {
      const zone = resolveZone(delay.time_zone, ctx);
      const today = localDateOf(triggeredAt, zone);
      return localDateTimeToInstant(addDays(today, daysUntilNext(weekdayOf(today), delay.weekday)), delay.time, zone);
    }
    case 'calendar_days': {
      const zone = resolveZone(delay.time_zone, ctx);
      return localDateTimeToInstant(addDays(localDateOf(triggeredAt, zone), delay.days), delay.time, zone);
    }
  }
}

const WEEK: readonly string[] = WEEKDAYS;

/** 1..7: a trigger on the target weekday waits a whole week, whatever the time of day (Braze campaigns). */
function daysUntilNext(from: string, to: string): number {
  return ((WEEK.indexOf(to) - WEEK.indexOf(from) + 6) % 7) + 1;
}

function isLocalTimeDelay(delay: Delay | null | undefined): boolean {
  return delay?.type === 'next_weekday' || delay?.type === 'calendar_days';
}

function parseInstant(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: ${value}`);
  return ms;
}

function suppress(reason: SuppressReason): SendTimeDecision {
  return { kind: 'suppress', reason };
}
