import { clip } from './quote.ts';

/** Objects and arrays nested deeper than this are refused (the value itself is level 1). */
export const MAX_JSON_DEPTH = 32;
/** Braze's limit on one nested attribute, an event's properties, `trigger_properties`. */
export const MAX_OBJECT_BYTES = 50 * 1024;

/** Where a value breaks a limit: the path inside it (keys and indexes) and why. */
export interface JsonProblem {
  path: Array<string | number>;
  why: string;
}

interface Pending {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Pending | null;
}

/**
 * The first place where a parsed JSON value nests deeper than `maxDepth` or holds a string (value
 * or key) that is not well-formed Unicode (a lone surrogate, which `"\ud800"` in JSON gives and
 * no store or encoder can keep), or null. Iterative, so a 6,000-deep value cannot overflow the
 * stack, and linear in the size of the value.
 */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | null {
  const stack: Pending[] = [{ value, depth: 0, key: null, parent: null }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const current = entry.value;
    if (typeof current === 'string') {
      if (!current.isWellFormed()) return { path: pathOf(entry), why: NOT_WELL_FORMED };
      continue;
    }
    // Raw bodies (a webhook's Buffer, kept for its signature) are bytes, not JSON values.
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current)) continue;
    const depth = entry.depth + 1;
    if (depth > maxDepth) return { path: pathOf(entry), why: `is nested deeper than ${maxDepth} levels` };
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], depth, key: i, parent: entry });
      continue;
    }
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (!key.isWellFormed()) return { path: [...pathOf(entry), key], why: `has a key that ${NOT_WELL_FORMED}` };
      stack.push({ value: (current as Record<string, unknown>)[key], depth, key, parent: entry });
    }
  }
  return null;
}

const NOT_WELL_FORMED = 'is not well-formed Unicode (it holds a lone surrogate)';

function pathOf(entry: Pending): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Pending | null = entry; at !== null && at.key !== null; at = at.parent) path.push(at.key);
  return path.reverse();
}

const MAX_SHOWN_PATH_PARTS = 8;

/** `['recipients', 0, 'trigger_properties']` → `recipients[0].trigger_properties`, each key clipped. */
export function formatPath(path: ReadonlyArray<string | number>, prefix = ''): string {
  let out = prefix;
  for (const [i, part] of path.entries()) {
    if (i === MAX_SHOWN_PATH_PARTS) return `${out}…`;
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? clip(part.toWellFormed()) : `.${clip(part.toWellFormed())}`;
  }
  return out;
}

/** The size of a value as UTF-8 JSON; call it only on values that passed findJsonProblem. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/** Null when the object is at most MAX_OBJECT_BYTES as JSON, else why not. */
export function objectTooLarge(value: unknown, limit = MAX_OBJECT_BYTES): string | null {
  const size = jsonBytes(value);
  return size > limit ? `is ${size} bytes as JSON; at most ${limit} are allowed` : null;
}
