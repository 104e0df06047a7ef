import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { clip } from '../core/quote.ts';

// ajv-formats is CommonJS; under Node's ESM loader its function is the `default` export.
const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes, useDefaults: true, removeAdditional: false, strict: false });
  addFormats(ajv);
  return ajv;
}

/** Bodies are taken as sent: a string where a number belongs is an error, never converted. */
export const bodyAjv = makeAjv(false);
/** Query strings and path parameters are text; numbers in them are read as numbers. */
export const paramsAjv = makeAjv(true);

export interface FieldError {
  field: string;
  message: string;
}

/** `/events/0/name` → `events[0].name`. */
export function fieldPath(instancePath: string, prefix = ''): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => clip(p.replace(/~1/g, '/').replace(/~0/g, '~')));
  let path = prefix;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  return path;
}

/** At most this many errors are listed in an answer; the rest are counted (`more_errors`). */
export const MAX_REPORTED_ERRORS = 50;

/** The first MAX_REPORTED_ERRORS of a list, and how many were left out. */
export function capErrors<T>(errors: readonly T[], limit = MAX_REPORTED_ERRORS): { errors: T[]; more: number } {
  return { errors: errors.slice(0, limit), more: Math.max(0, errors.length - limit) };
}

/**
 * Turns Ajv's errors into one line per field, naming the field and what is allowed, in time
 * linear in the number of errors: Ajv lists a union's branch errors just before the union's own
 * error, so a stack finds them without comparing every error with every other.
 */
export function describeAjvErrors(errors: ErrorObject[], prefix = ''): FieldError[] {
  return reportAjvErrors(errors, prefix, Number.POSITIVE_INFINITY).errors;
}

/**
 * The first `limit` lines of describeAjvErrors, and how many errors were left out: past the
 * limit errors are only counted, so 120,000 errors cost little more than Ajv finding them.
 */
export function reportAjvErrors(
  errors: ErrorObject[],
  prefix = '',
  limit = MAX_REPORTED_ERRORS,
): { errors: FieldError[]; more: number } {
  const kept: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === 'anyOf') {
      // A failed union reports each branch; the summary line is enough.
      const branch = `${error.schemaPath}/`;
      while (kept.length > 0) {
        const top = kept[kept.length - 1]!;
        if (!top.schemaPath.startsWith(branch) || !top.instancePath.startsWith(error.instancePath)) break;
        kept.pop();
      }
    }
    kept.push(error);
  }
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const [i, error] of kept.entries()) {
    if (out.length === limit) return { errors: out, more: kept.length - i };
    let field = fieldPath(error.instancePath, prefix);
    let message: string;
    switch (error.keyword) {
      case 'required':
        field = join(field, String(error.params.missingProperty));
        message = 'is required';
        break;
      case 'additionalProperties':
        field = join(field, String(error.params.additionalProperty));
        message = 'is not a known field';
        break;
      case 'anyOf':
        message = 'does not match any of the allowed forms';
        break;
      case 'const':
        message = `must be ${JSON.stringify(error.params.allowedValue)}`;
        break;
      default:
        message = error.message ?? 'is invalid';
    }
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field: field || '(body)', message });
  }
  return { errors: out, more: 0 };
}

function join(path: string, key: string): string {
  return path === '' ? clip(key) : `${path}.${clip(key)}`;
}

const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Checks one value against a schema with the body rules: null when it is valid, else its first `limit` errors. */
export function checkValue(
  schema: TSchema,
  value: unknown,
  prefix = '',
  limit = MAX_REPORTED_ERRORS,
): { errors: FieldError[]; more: number } | null {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = bodyAjv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate(value) ? null : reportAjvErrors(validate.errors ?? [], prefix, limit);
}
