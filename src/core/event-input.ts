import { DateTime } from 'luxon';
import type { PurchaseDetails } from './event.ts';
import { quote } from './quote.ts';
import type { Json } from './user.ts';

const MAX_PROPERTIES_BYTES = 50 * 1024;
const MAX_TIME_LENGTH = 64;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export interface EventFields {
  name: string;
  time: number;
  properties: Record<string, Json>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Reads a time the way Braze accepts one: ISO 8601 (a time without an offset is UTC, a date alone
 * is midnight UTC), also with Braze's `HH:mm:ss:SSS` milliseconds. A time in the future is
 * recorded as `now`.
 */
export function parseEventTime(value: unknown, now: number): Checked<number> {
  if (typeof value !== 'string' || value.trim() === '')
    return { ok: false, error: "'time' is required: an ISO 8601 date-time such as 2026-03-06T08:00:00Z" };
  // No date-time is this long; luxon's parser need not see what is.
  const millis = value.length > MAX_TIME_LENGTH ? null : (parseCommonIsoTime(value) ?? parseAnyIsoTime(value));
  if (millis === null) return { ok: false, error: `'time' is not an ISO 8601 date-time: ${quote(value)}` };
  return { ok: true, value: Math.min(millis, now) };
}

const COMMON_ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The shape nearly every client sends (`Date.toISOString()` and the like), read without luxon:
 * on the ingestion path luxon's general parser cost more than the rest of event validation.
 * Null when the text has another shape or names an impossible date; luxon then decides.
 */
function parseCommonIsoTime(text: string): number | null {
  const m = COMMON_ISO_TIME.exec(text);
  if (!m) return null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(
    Number,
  );
  if (hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, m[7] ? Number(m[7].padEnd(3, '0')) : 0);
  const date = new Date(utc);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  if (!m[8]) return utc;
  if (Number(m[9]) > 23 || Number(m[10]) > 59) return null;
  const offsetMinutes = (Number(m[9]) * 60 + Number(m[10])) * (m[8] === '-' ? -1 : 1);
  return utc - offsetMinutes * 60_000;
}

function parseAnyIsoTime(value: string): number | null {
  const text = value.trim().replace(/(T\d{2}:\d{2}:\d{2}):(\d{3})/, '$1.$2');
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : null;
}

export function checkProperties(value: unknown): Checked<Record<string, Json>> {
  if (value === undefined || value === null) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: "'properties' must be an object" };
  for (const [key, v] of Object.entries(value)) {
    if (key.length === 0 || key.length > 255)
      return { ok: false, error: `'properties' keys must be 1 to 255 characters long` };
    if (key.startsWith('$')) return { ok: false, error: `'properties.${key}' must not start with '$'` };
    if (typeof v === 'string' && v.length > 255)
      return { ok: false, error: `'properties.${key}' is longer than 255 characters` };
  }
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > MAX_PROPERTIES_BYTES)
    return { ok: false, error: `'properties' is ${size} bytes; at most ${MAX_PROPERTIES_BYTES} are allowed` };
  return { ok: true, value: value as Record<string, Json> };
}

export function checkEvent(item: Record<string, unknown>, now: number): Checked<EventFields> {
  const { name } = item;
  if (typeof name !== 'string' || name.length === 0 || name.length > 255)
    return { ok: false, error: "'name' is required: a string of 1 to 255 characters" };
  const time = parseEventTime(item.time, now);
  if (!time.ok) return time;
  const properties = checkProperties(item.properties);
  if (!properties.ok) return properties;
  return { ok: true, value: { name, time: time.value, properties: properties.value } };
}

export function checkPurchase(
  item: Record<string, unknown>,
  now: number,
): Checked<EventFields & { purchase: PurchaseDetails }> {
  const { product_id: productId, currency, price } = item;
  const quantity = item.quantity ?? 1;
  if (typeof productId !== 'string' || productId.length === 0 || productId.length > 255)
    return { ok: false, error: "'product_id' is required: a string of 1 to 255 characters" };
  if (typeof currency !== 'string' || !CURRENCIES.has(currency.toUpperCase()))
    return { ok: false, error: `'currency' must be an ISO 4217 code such as USD, got ${quote(currency)}` };
  if (typeof price !== 'number' || !Number.isFinite(price))
    return { ok: false, error: "'price' is required: a number" };
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 100)
    return { ok: false, error: "'quantity' must be a whole number from 1 to 100" };
  const time = parseEventTime(item.time, now);
  if (!time.ok) return time;
  const properties = checkProperties(item.properties);
  if (!properties.ok) return properties;
  return {
    ok: true,
    value: {
      name: 'purchase',
      time: time.value,
      properties: properties.value,
      purchase: { product_id: productId, currency: currency.toUpperCase(), price, quantity },
    },
  };
}
