import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';

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
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = prefix;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  return path;
}

/** Turns Ajv's errors into one line per field, naming the field and what is allowed. */
export function describeAjvErrors(errors: ErrorObject[], prefix = ''): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of errors) {
    // A failed union reports each branch; the summary line is enough.
    if (
      errors.some(
        (e) =>
          e.keyword === 'anyOf' &&
          e !== error &&
          error.schemaPath.startsWith(e.schemaPath.replace(/\/anyOf$/, '/anyOf/')),
      )
    )
      continue;
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
  return out;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Checks one value against a schema with the body rules; null when it is valid. */
export function checkValue(schema: TSchema, value: unknown, prefix = ''): FieldError[] | null {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = bodyAjv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate(value) ? null : describeAjvErrors(validate.errors ?? [], prefix);
}
