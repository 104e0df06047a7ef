/**
 * The test shared by trigger property filters and audience attribute filters:
 * `{"op": OP, "value": V, "ignore_case"?: true}` applied to one value.
 *
 * - No value: a missing property and `null` are the same thing, "no value". It fails every
 *   operator except the negative ones — `neq`, `not_in`, `not_contains`, `not_exists` — which
 *   match it, as Braze's "does not equal" matches users with no value.
 * - Each negative operator is exactly the negation of its positive one (`neq` is `not eq`, …), so
 *   a type mismatch that fails `eq` passes `neq`.
 * - Types never convert: the string "5" does not equal the number 5, booleans only compare with
 *   eq/neq/in/not_in, an array or object never equals anything (test arrays with `contains`).
 * - Ordering (`gt gte lt lte between`, `between` inclusive) compares two numbers, or two ISO 8601
 *   dates / date-times as instants (a date alone is midnight UTC, a time without offset is UTC).
 *   A number and a date-time never compare; plain strings have no order.
 * - `eq`/`in` compare date-time strings as text, not as instants.
 * - `contains` is a substring test on a string and a membership test (with `eq` rules) on an
 *   array. `starts_with`, `ends_with` and `regex` apply to strings only.
 * - `ignore_case` lower-cases both sides of string comparisons and makes `regex` case-insensitive.
 * - `regex` runs on RE2 (operator-pattern.ts): linear time; backreferences and lookaround are refused at save.
 * - A property path with dots reaches into nested objects; a key that itself contains a dot is
 *   found too (the longest literal key is tried first).
 */
import type { FilterOp, PropertyFilter } from '../../schemas/filters.ts';
import type { Json } from '../user.ts';
import { operatorPattern, operatorPatternError } from './operator-pattern.ts';

export type Comparison = Pick<PropertyFilter, 'op' | 'value' | 'ignore_case'>;

type Scalar = string | number | boolean;

const NEGATION_OF: Partial<Record<FilterOp, FilterOp>> = {
  neq: 'eq',
  not_in: 'in',
  not_contains: 'contains',
  not_exists: 'exists',
};

/** True when every filter holds for the trigger's properties (no filters: true). */
export function matchesPropertyFilters(
  filters: readonly PropertyFilter[] | undefined,
  properties: Record<string, Json>,
): boolean {
  return (filters ?? []).every((filter) => matchesComparison(filter, valueAtPath(properties, filter.property)));
}

/** Applies one comparison to a value; `undefined` and `null` both mean "no value". */
export function matchesComparison(comparison: Comparison, actual: Json | undefined): boolean {
  const positive = NEGATION_OF[comparison.op];
  if (positive) return !matchesComparison({ ...comparison, op: positive }, actual);
  if (actual === undefined || actual === null) return false;
  return matchesValue(comparison.op, comparison.value, actual, comparison.ignore_case === true);
}

function matchesValue(op: FilterOp, expected: unknown, actual: Json, ignoreCase: boolean): boolean {
  switch (op) {
    case 'exists':
      return true;
    case 'eq':
      return sameScalar(actual, expected, ignoreCase);
    case 'in':
      return Array.isArray(expected) && expected.some((item) => sameScalar(actual, item, ignoreCase));
    case 'contains':
      return contains(actual, expected, ignoreCase);
    case 'gt':
      return ordered(actual, expected, (sign) => sign > 0);
    case 'gte':
      return ordered(actual, expected, (sign) => sign >= 0);
    case 'lt':
      return ordered(actual, expected, (sign) => sign < 0);
    case 'lte':
      return ordered(actual, expected, (sign) => sign <= 0);
    case 'between':
      return (
        isPair(expected) &&
        ordered(actual, expected[0], (sign) => sign >= 0) &&
        ordered(actual, expected[1], (sign) => sign <= 0)
      );
    case 'starts_with':
      return (
        typeof actual === 'string' &&
        typeof expected === 'string' &&
        fold(actual, ignoreCase).startsWith(fold(expected, ignoreCase))
      );
    case 'ends_with':
      return (
        typeof actual === 'string' &&
        typeof expected === 'string' &&
        fold(actual, ignoreCase).endsWith(fold(expected, ignoreCase))
      );
    case 'regex':
      return (
        typeof actual === 'string' &&
        typeof expected === 'string' &&
        (operatorPattern(expected, { ignoreCase, jsFlags: '' })?.test(actual) ?? false)
      );
    default:
      return false;
  }
}

function sameScalar(actual: unknown, expected: unknown, ignoreCase: boolean): boolean {
  if (typeof actual === 'string' && typeof expected === 'string')
    return fold(actual, ignoreCase) === fold(expected, ignoreCase);
  return isScalar(actual) && actual === expected;
}

function contains(actual: Json, expected: unknown, ignoreCase: boolean): boolean {
  if (typeof actual === 'string')
    return typeof expected === 'string' && fold(actual, ignoreCase).includes(fold(expected, ignoreCase));
  if (Array.isArray(actual)) return actual.some((item) => sameScalar(item, expected, ignoreCase));
  return false;
}

/** False when the two values have no order (not two numbers, not two date-times). */
function ordered(actual: unknown, expected: unknown, holds: (sign: number) => boolean): boolean {
  const sign = order(actual, expected);
  return sign !== null && holds(sign);
}

/** -1, 0 or 1 when the two values are both numbers or both ISO date-times; null otherwise. */
function order(actual: unknown, expected: unknown): number | null {
  const [a, b] =
    typeof actual === 'number' && typeof expected === 'number'
      ? [actual, expected]
      : [asInstant(actual), asInstant(expected)];
  if (a === null || b === null) return null;
  return Math.sign(a - b);
}

function asInstant(value: unknown): number | null {
  return typeof value === 'string' ? parseIsoInstant(value) : null;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * Milliseconds since the epoch for `2026-03-06`, `2026-03-06T08:00`, `2026-03-06T08:00:00.123Z`,
 * `…+09:00` and the like; null for anything else, impossible dates included. Deliberately
 * narrower than luxon's ISO reader, so that a string like "2026" is never taken for a date.
 */
export function parseIsoInstant(text: string): number | null {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(
    (part) => Number(part ?? 0),
  );
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const date = new Date(utc);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  if (!m[9]) return utc;
  const [offsetHours, offsetMinutes] = [Number(m[10]), Number(m[11])];
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  return utc - (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function fold(text: string, ignoreCase: boolean): string {
  return ignoreCase ? text.toLowerCase() : text;
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPair(value: unknown): value is [unknown, unknown] {
  return Array.isArray(value) && value.length === 2;
}

/**
 * The value at a dotted path. At each level the whole remaining path is tried as a literal key
 * first (event properties may have keys like "utm.source"), then each split at a dot.
 */
export function valueAtPath(root: Json | undefined, path: string): Json | undefined {
  if (!isObject(root)) return undefined;
  if (Object.hasOwn(root, path)) return root[path];
  for (let dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
    const head = path.slice(0, dot);
    if (!Object.hasOwn(root, head)) continue;
    const found = valueAtPath(root[head], path.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- Save-time checks: what the schema cannot say. ----

/**
 * Checks a property filter's value against its operator; null when it is usable. The message
 * names the field, under `path` (e.g. `trigger.filters[0]`) when given.
 */
export function validatePropertyFilter(filter: PropertyFilter, path = ''): string | null {
  return validateComparison(filter, path);
}

/** The first problem among a list of property filters, each named `${path}[i]`. */
export function validatePropertyFilters(filters: readonly PropertyFilter[] | undefined, path: string): string | null {
  for (const [i, filter] of (filters ?? []).entries()) {
    const error = validatePropertyFilter(filter, `${path}[${i}]`);
    if (error) return error;
  }
  return null;
}

/** The value checks shared by property and attribute filters. */
export function validateComparison(comparison: Comparison, path = ''): string | null {
  const { op, value } = comparison;
  const field = `'${joinPath(path, 'value')}' of ${article(op)} '${op}' filter`;
  const got = `got ${show(value)}`;
  switch (op) {
    case 'exists':
    case 'not_exists':
      return value === undefined
        ? null
        : `${field} must be left out (it tests whether there is a value at all), ${got}`;
    case 'eq':
    case 'neq':
    case 'contains':
    case 'not_contains':
      return isScalar(value) ? null : `${field} must be a string, number or boolean, ${got}`;
    case 'in':
    case 'not_in':
      if (!Array.isArray(value) || value.length === 0)
        return `${field} must be a non-empty list of strings, numbers or booleans, ${got}`;
      return value.every(isScalar) ? null : `${field} must list only strings, numbers or booleans, ${got}`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return isOrderable(value)
        ? null
        : `${field} must be a number or an ISO 8601 date-time such as 2026-03-06T09:00:00Z, ${got}`;
    case 'between':
      return validateBetween(value, field, got);
    case 'starts_with':
    case 'ends_with':
      return typeof value === 'string' && value !== '' ? null : `${field} must be a non-empty string, ${got}`;
    case 'regex':
      return validateRegex(value, field, got);
    default:
      return `'${joinPath(path, 'op')}' is not a known operator, got ${show(op)}`;
  }
}

function validateBetween(value: unknown, field: string, got: string): string | null {
  const bothNumbers = isPair(value) && typeof value[0] === 'number' && typeof value[1] === 'number';
  const bothInstants = isPair(value) && asInstant(value[0]) !== null && asInstant(value[1]) !== null;
  if (!bothNumbers && !bothInstants)
    return `${field} must be [low, high]: two numbers or two ISO 8601 date-times, ${got}`;
  return ordered(value[0], value[1], (sign) => sign <= 0)
    ? null
    : `${field} must be [low, high] with low ≤ high, ${got}`;
}

function validateRegex(value: unknown, field: string, got: string): string | null {
  if (typeof value !== 'string' || value === '')
    return `${field} must be a non-empty regular expression (a string), ${got}`;
  // ignore_case adds only RE2's case folding, which accepts every pattern it accepts without it.
  const error = operatorPatternError(value, { ignoreCase: false, jsFlags: '' });
  return error === null ? null : `${field} ${error}, ${got}`;
}

function isOrderable(value: unknown): boolean {
  return typeof value === 'number' || asInstant(value) !== null;
}

export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function article(op: string): string {
  return /^[aeiou]/.test(op) ? 'an' : 'a';
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}
