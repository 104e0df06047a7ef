import type { Context } from 'liquidjs';
import { DateTime } from 'luxon';

/** What LiquidJS binds `this` to in a filter (the part used here), and a filter's shape. */
interface FilterImpl {
  context: Context;
}
export type FilterHandler = (this: FilterImpl, value: unknown, ...args: unknown[]) => unknown;

/** Where a render keeps the instant `'now'` means (a symbol, so no template can read or set it). */
export const RENDER_NOW = Symbol('render now');

/** The render's clock: the engine's (virtual in a simulation), not the system's. */
function renderNow(impl: FilterImpl): number {
  const now = (impl.context.environments as Record<symbol, unknown>)[RENDER_NOW];
  if (typeof now !== 'number') throw new Error('a template was rendered outside a RenderSession, with no clock');
  return now;
}

/** LiquidJS's `date` reads `'now'` from the system clock; this one reads the render's. */
export function dateOnRenderClock(date: FilterHandler): FilterHandler {
  return function (this: FilterImpl, value: unknown, ...args: unknown[]) {
    return date.call(this, value === 'now' || value === 'today' ? renderNow(this) / 1000 : value, ...args);
  };
}

/**
 * The Braze filters LiquidJS lacks that templates pasted from Braze commonly use: building URLs
 * and JSON bodies by hand (webhooks), reading a key held in a variable, and local times.
 */
export const brazeFilters: Record<string, FilterHandler> = {
  url_param_escape: (value) => encodeURIComponent(text(value)),
  json_escape: (value) => JSON.stringify(text(value)).slice(1, -1),
  property_accessor: (value, key) =>
    value !== null && typeof value === 'object' && Object.hasOwn(value, String(key))
      ? (value as Record<string, unknown>)[String(key)]
      : null,
  time_zone: function (this: FilterImpl, value: unknown, zone: unknown) {
    const time = instant(value, renderNow(this))?.setZone(text(zone));
    // An ISO time with its offset: `date` (preserveTimezones) then prints the local time.
    return time?.isValid ? time.toISO() : value;
  },
};

function text(value: unknown): string {
  return value == null ? '' : String(value);
}

/** The inputs `date` accepts: 'now', epoch seconds, an ISO time (UTC unless it says otherwise). */
function instant(value: unknown, now: number): DateTime | null {
  if (value === 'now' || value === 'today') return DateTime.fromMillis(now, { zone: 'utc' });
  if (typeof value === 'number') return DateTime.fromSeconds(value);
  if (typeof value !== 'string') return null;
  if (/^\d+$/.test(value)) return DateTime.fromSeconds(Number(value));
  return DateTime.fromISO(value.replace(' ', 'T'), { zone: 'utc' });
}
