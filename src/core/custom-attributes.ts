import { MAX_OBJECT_BYTES, objectTooLarge } from './json-limits.ts';
import type { Json } from './user.ts';

/** Arrays keep unique values and at most this many (the oldest are dropped past it). */
export const MAX_ARRAY_LENGTH = 100;
export const MAX_STRING_LENGTH = 255;
/** Braze: nested objects and arrays of objects at most 50 KB each. */
export const MAX_NESTED_BYTES = MAX_OBJECT_BYTES;
/**
 * A counter stays an exact integer: past 2^53 - 1, `n + 1 === n` and a count silently stops
 * counting, and past 1.8e308 it becomes Infinity, which JSON stores as null.
 */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

export type CustomUpdate = { ok: true; value: Json | undefined } | { ok: false; error: string };

/**
 * Computes the new value of one custom attribute from its current value and what the request
 * sent: a scalar or array replaces, `null` removes (undefined result), `{"inc": n}` adds,
 * `{"add": [...]}` / `{"remove": [...]}` edit an array; any other object is a nested value.
 */
export function updateCustomAttribute(key: string, current: Json | undefined, sent: unknown): CustomUpdate {
  if (sent === null) return { ok: true, value: undefined };
  if (typeof sent === 'string') {
    if (sent.length > MAX_STRING_LENGTH)
      return fail(key, `is ${sent.length} characters long; at most ${MAX_STRING_LENGTH} are allowed`);
    return { ok: true, value: sent };
  }
  if (typeof sent === 'number') {
    if (!Number.isFinite(sent)) return fail(key, 'must be a finite number');
    return { ok: true, value: sent };
  }
  if (typeof sent === 'boolean') return { ok: true, value: sent };
  if (Array.isArray(sent)) {
    const checked = checkArrayValues(key, sent);
    if (!checked.ok) return checked;
    return sized(key, capArray(uniqueKeepLast(sent as Json[])));
  }
  if (typeof sent === 'object') {
    const object = sent as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && keys[0] === 'inc') return increment(key, current, object.inc);
    if (keys.length > 0 && keys.every((k) => k === 'add' || k === 'remove')) return editArray(key, current, object);
    return nested(key, object);
  }
  return fail(key, 'has a value of an unsupported type');
}

function increment(key: string, current: Json | undefined, by: unknown): CustomUpdate {
  if (typeof by !== 'number' || !Number.isFinite(by)) return fail(key, '{"inc": n} needs a number n');
  if (current !== undefined && current !== null && typeof current !== 'number')
    return fail(key, `cannot be incremented: its current value is a ${typeName(current)}, not a number`);
  const value = (current ?? 0) + by;
  if (!Number.isFinite(value) || Math.abs(value) > MAX_COUNTER)
    return fail(key, `{"inc": ${by}} would take it beyond ±${MAX_COUNTER} (Number.MAX_SAFE_INTEGER)`);
  return { ok: true, value };
}

function editArray(key: string, current: Json | undefined, edit: Record<string, unknown>): CustomUpdate {
  for (const op of ['add', 'remove'] as const) {
    if (edit[op] !== undefined && !Array.isArray(edit[op])) return fail(key, `{"${op}": …} needs an array`);
    if (Array.isArray(edit[op])) {
      const checked = checkArrayValues(key, edit[op] as unknown[]);
      if (!checked.ok) return checked;
    }
  }
  if (current !== undefined && current !== null && !Array.isArray(current)) {
    return fail(key, `cannot be edited with add/remove: its current value is a ${typeName(current)}, not an array`);
  }
  const removed = new Set(((edit.remove as Json[] | undefined) ?? []).map(valueKey));
  let values = ((current as Json[] | null | undefined) ?? []).filter((v) => !removed.has(valueKey(v)));
  // Re-adding a value moves it to the end (Braze).
  values = uniqueKeepLast([...values, ...((edit.add as Json[] | undefined) ?? [])]);
  return sized(key, capArray(values));
}

/** An array of objects is held to the nested-object limit; the checks before it bound its depth. */
function sized(key: string, values: Json[]): CustomUpdate {
  if (values.every((v) => v === null || typeof v !== 'object')) return { ok: true, value: values };
  const tooLarge = objectTooLarge(values, MAX_NESTED_BYTES);
  return tooLarge ? fail(key, `is an array that ${tooLarge}`) : { ok: true, value: values };
}

function nested(key: string, object: Record<string, unknown>): CustomUpdate {
  const size = Buffer.byteLength(JSON.stringify(object));
  if (size > MAX_NESTED_BYTES)
    return fail(key, `is a nested object of ${size} bytes; at most ${MAX_NESTED_BYTES} are allowed`);
  for (const nestedKey of Object.keys(object)) {
    if (nestedKey.startsWith('$')) return fail(key, `has a nested key '${nestedKey}' starting with '$'`);
  }
  return { ok: true, value: object as Json };
}

function checkArrayValues(key: string, values: unknown[]): { ok: true } | { ok: false; error: string } {
  for (const [i, v] of values.entries()) {
    if (v === null || v === undefined) return fail(key, `has a null element at index ${i}`);
    if (typeof v === 'string' && v.length > MAX_STRING_LENGTH)
      return fail(key, `has an element at index ${i} longer than ${MAX_STRING_LENGTH} characters`);
  }
  return { ok: true };
}

function uniqueKeepLast(values: Json[]): Json[] {
  const lastIndex = new Map<string, number>();
  for (const [i, v] of values.entries()) lastIndex.set(valueKey(v), i);
  return values.filter((v, i) => lastIndex.get(valueKey(v)) === i);
}

function capArray(values: Json[]): Json[] {
  return values.length > MAX_ARRAY_LENGTH ? values.slice(values.length - MAX_ARRAY_LENGTH) : values;
}

const valueKey = (v: Json): string => JSON.stringify(v);

function typeName(value: Json): string {
  return Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value;
}

function fail(key: string, why: string): { ok: false; error: string } {
  return { ok: false, error: `custom attribute '${key}' ${why}` };
}
