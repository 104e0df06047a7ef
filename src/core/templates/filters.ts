import { DateTime } from 'luxon';

/**
 * The Braze filters LiquidJS lacks that templates pasted from Braze commonly use: building URLs
 * and JSON bodies by hand (webhooks), reading a key held in a variable, and local times.
 */
export const brazeFilters: Record<string, (value: unknown, ...args: unknown[]) => unknown> = {
  url_param_escape: (value) => encodeURIComponent(text(value)),
  json_escape: (value) => JSON.stringify(text(value)).slice(1, -1),
  property_accessor: (value, key) =>
    value !== null && typeof value === 'object' && Object.hasOwn(value, String(key)) ? (value as Record<string, unknown>)[String(key)] : null,
  time_zone: (value, zone) => {
    const time = instant(value)?.setZone(text(zone));
    // An ISO time with its offset: `date` (preserveTimezones) then prints the local time.
    return time?.isValid ? time.toISO() : value;
  },
};

function text(value: unknown): string {
  return value == null ? '' : String(value);
}

/** The inputs `date` accepts: 'now', epoch seconds, an ISO time (UTC unless it says otherwise). */
function instant(value: unknown): DateTime | null {
  if (value === 'now' || value === 'today') return DateTime.now();
  if (typeof value === 'number') return DateTime.fromSeconds(value);
  if (typeof value !== 'string') return null;
  if (/^\d+$/.test(value)) return DateTime.fromSeconds(Number(value));
  return DateTime.fromISO(value.replace(' ', 'T'), { zone: 'utc' });
}
