import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { clip, quote } from '../core/quote.ts';

// ajv-formats is CommonJS; under Node's ESM loader its function is the `default` export.
const addFormats = ajvFormats.default as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: boolean): Ajv {
  // verbose: each error carries the value and schema it is about, so a union's error can say what was given.
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
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
 * Turns Ajv's errors into one line per field, naming the field and what is allowed. A failed
 * union names the deepest failing field of the branch the value meant (see describeUnion), not
 * "does not match any of the allowed forms".
 */
export function describeAjvErrors(errors: ErrorObject[], prefix = ''): FieldError[] {
  return reportAjvErrors(errors, prefix, Number.POSITIVE_INFINITY).errors;
}

/** A problem ready to be described: an error of Ajv's, or a line a union made up (`message`), at a JSON pointer. */
interface Problem {
  instancePath: string;
  error?: ErrorObject;
  message?: string;
}

/**
 * The first `limit` lines of describeAjvErrors, and how many errors were left out, in time linear
 * in the number of errors: Ajv lists a union's branch errors just before the union's own error,
 * so a stack finds them without comparing every error with every other, and past the limit
 * errors are only counted, so 120,000 errors cost little more than Ajv finding them.
 */
export function reportAjvErrors(
  errors: ErrorObject[],
  prefix = '',
  limit = MAX_REPORTED_ERRORS,
): { errors: FieldError[]; more: number } {
  const kept = collapseUnions(errors);
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const [i, error] of kept.entries()) {
    if (out.length >= limit) return { errors: out, more: kept.length - i };
    const lines =
      error.keyword === 'anyOf'
        ? describeUnion(error, limit - out.length)
        : [{ instancePath: error.instancePath, error }];
    for (const line of lines) {
      const described = describeProblem(line, prefix);
      const key = `${described.field}\u0000${described.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(described);
    }
  }
  return { errors: out, more: 0 };
}

/** Drops the branch errors of each failed union, which come right before it; the union stays. */
function collapseUnions(errors: ErrorObject[]): ErrorObject[] {
  const kept: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === 'anyOf') {
      // Branch errors lie inside the union's value. Those of a recursive schema ($ref) carry
      // schema paths of their own, so the value, not the schema path, says what belongs; a
      // union at the same place from another schema path is a neighbour, not a branch.
      while (kept.length > 0) {
        const top = kept[kept.length - 1]!;
        if (!within(top.instancePath, error.instancePath)) break;
        const neighbour =
          top.keyword === 'anyOf' &&
          top.instancePath === error.instancePath &&
          !top.schemaPath.startsWith(`${error.schemaPath}/`);
        if (neighbour) break;
        kept.pop();
      }
    }
    kept.push(error);
  }
  return kept;
}

/** Whether JSON pointer `path` is `parent` or inside it (`/a/10` is not inside `/a/1`). */
function within(path: string, parent: string): boolean {
  return path === parent || (path.startsWith(parent) && path[parent.length] === '/');
}

function describeProblem(problem: Problem, prefix: string): FieldError {
  let field = fieldPath(problem.instancePath, prefix);
  const error = problem.error;
  let message = problem.message;
  if (message === undefined && error) {
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
      case 'enum':
        message = `must be one of ${(error.params.allowedValues as unknown[]).map(showAllowed).join(', ')}; got ${quote(error.data)}`;
        break;
      default:
        message = error.message ?? 'is invalid';
    }
  }
  return { field: field || '(body)', message: message ?? 'is invalid' };
}

type Schema = Record<string, unknown>;

/**
 * What to say about a value no branch of a union accepted. A union of literals (and types)
 * lists them: `must be one of eq, neq, …; got "almost"`. A union of objects told apart by a
 * constant property (`type`, `kind`, `op`…) reports the errors of the branch the value names,
 * or, when it names none, the allowed values of that property. Otherwise the branch whose errors
 * reach deepest into the value wins. The branches are validated again on the value alone: Ajv's
 * own branch errors cannot always be told apart (a recursive schema restarts their paths).
 */
function describeUnion(union: ErrorObject, limit: number): Problem[] {
  const branches = union.schema;
  const at = union.instancePath;
  const value = union.data;
  if (!Array.isArray(branches) || branches.length === 0) return [{ instancePath: at, error: union }];

  const literals = branches.map(literalForms);
  if (literals.every((forms) => forms !== null)) {
    const allowed = [...new Set(literals.flat())];
    const types = allowed.some((form) => /^an? /.test(form));
    const must = types ? orList(allowed) : oneOf(allowed);
    return [{ instancePath: at, message: `must be ${must}; got ${quote(value)}` }];
  }

  // Only the branches of the value's JSON type can be what it meant.
  let candidates = (branches as Schema[]).filter((branch) => admitsType(branch, value));
  if (candidates.length === 0) {
    const types = [...new Set(branches.flatMap((b) => typeNames(b)))];
    return [{ instancePath: at, message: `must be ${orList(types)}; got ${quote(value)}` }];
  }
  const tags = candidates.map(constantProperties);
  const tagged = tags.filter((t) => t.size > 0).length;
  if (tagged > 0 && isObject(value)) {
    const named = candidates.filter((_, i) => {
      const constants = tags[i]!;
      return constants.size > 0 && [...constants].every(([key, expected]) => value[key] === expected);
    });
    if (named.length > 0) candidates = named;
    else {
      const key = sharedTag(tags);
      if (key !== null) {
        const allowed = [...new Set(tags.flatMap((t) => (t.has(key) ? [showAllowed(t.get(key))] : [])))];
        const given = value[key];
        return [
          {
            instancePath: `${at}/${escapePointer(key)}`,
            message:
              given === undefined ? `is required: ${oneOf(allowed)}` : `must be ${oneOf(allowed)}; got ${quote(given)}`,
          },
        ];
      }
    }
  }

  let best: { errors: ErrorObject[]; depth: number } | null = null;
  for (const branch of candidates) {
    const validate = validatorFor(branch, union.parentSchema);
    if (!validate) return [{ instancePath: at, error: union }];
    if (validate(value)) return [{ instancePath: at, error: union }];
    const errors = validate.errors ?? [];
    const depth = errors.reduce((deepest, e) => Math.max(deepest, e.instancePath.split('/').length), 0);
    if (!best || depth > best.depth || (depth === best.depth && errors.length < best.errors.length))
      best = { errors, depth };
  }
  if (!best) return [{ instancePath: at, error: union }];
  if (candidates.length > 1 && best.errors.every((e) => e.instancePath === '')) {
    // The value looks like none of them: name the field that sets each apart.
    const fields = candidates.map((b) => (Array.isArray(b.required) ? String(b.required[0]) : null));
    if (fields.every((f) => f !== null))
      return [{ instancePath: at, message: `must have one of the fields ${[...new Set(fields)].join(', ')}` }];
  }
  const relative = best.errors.map((e) => ({ ...e, instancePath: at + e.instancePath }));
  return reportAjvErrorsAsProblems(relative, limit);
}

/** The lines of a chosen branch, unions inside it resolved the same way, as problems. */
function reportAjvErrorsAsProblems(errors: ErrorObject[], limit: number): Problem[] {
  const out: Problem[] = [];
  for (const error of collapseUnions(errors)) {
    if (out.length >= limit) break;
    if (error.keyword === 'anyOf') out.push(...describeUnion(error, limit - out.length));
    else out.push({ instancePath: error.instancePath, error });
  }
  return out;
}

/** The JSON types a schema accepts, when it says (`type`, `const`, or a union of those); null when any. */
function schemaTypes(schema: unknown): Set<string> | null {
  if (!isObject(schema)) return null;
  if ('const' in schema) return new Set([jsonType(schema.const)]);
  if (typeof schema.type === 'string') return new Set([schema.type]);
  if (Array.isArray(schema.type)) return new Set(schema.type.map(String));
  if (Array.isArray(schema.anyOf)) {
    const types = new Set<string>();
    for (const branch of schema.anyOf) {
      const inner = schemaTypes(branch);
      if (inner === null) return null;
      for (const t of inner) types.add(t);
    }
    return types;
  }
  return null;
}

function admitsType(schema: unknown, value: unknown): boolean {
  const types = schemaTypes(schema);
  if (types === null) return true;
  const type = jsonType(value);
  return types.has(type) || (type === 'integer' && types.has('number'));
}

/** How a message names what a schema accepts: `a string`, `an object`, `null`. */
function typeNames(schema: unknown): string[] {
  return [...(schemaTypes(schema) ?? ['a value'])].map((t) => (t === 'null' || t === 'a value' ? t : article(t)));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const article = (word: string) => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;

/** The values a branch allows when it is a literal or a bare type, else null. */
function literalForms(branch: unknown): string[] | null {
  if (!isObject(branch)) return null;
  if ('const' in branch) return [showAllowed(branch.const)];
  if (Array.isArray(branch.enum)) return branch.enum.map(showAllowed);
  const keys = Object.keys(branch).filter((k) => k !== 'description' && k !== 'title');
  if (keys.length === 1 && keys[0] === 'type' && typeof branch.type === 'string') {
    return [branch.type === 'null' ? 'null' : article(branch.type)];
  }
  return null;
}

/** The properties an object branch fixes to one value (`{"type": {"const": "line"}}`). */
function constantProperties(branch: unknown): Map<string, unknown> {
  const constants = new Map<string, unknown>();
  if (!isObject(branch) || !isObject(branch.properties)) return constants;
  for (const [key, property] of Object.entries(branch.properties))
    if (isObject(property) && 'const' in property) constants.set(key, property.const);
  return constants;
}

/** A constant property every tagged branch has: the union's discriminator. */
function sharedTag(tags: Map<string, unknown>[]): string | null {
  const tagged = tags.filter((t) => t.size > 0);
  for (const key of tagged[0]?.keys() ?? []) if (tagged.every((t) => t.has(key))) return key;
  return null;
}

/** `a string, an object or null` */
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function oneOf(allowed: string[]): string {
  return allowed.length === 1 ? allowed[0]! : `one of ${allowed.join(', ')}`;
}

const showAllowed = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function join(path: string, key: string): string {
  return path === '' ? clip(key) : `${path}.${clip(key)}`;
}

const compiled = new WeakMap<object, ValidateFunction | null>();

/**
 * The body validator of a schema, compiled once; null when Ajv cannot compile it. A branch of a
 * recursive union refers to the union by its `$id`, which Ajv resolves only inside a document
 * that holds it: such a branch is compiled inside a document that also holds the union (`context`).
 */
function validatorFor(schema: object, context?: unknown): ValidateFunction | null {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = tryCompile(schema);
    if (validate === null && isObject(context) && typeof context.$id === 'string') {
      branchDocuments += 1;
      validate = tryCompile({ $id: `tidings:branch-${branchDocuments}`, allOf: [schema], $defs: { union: context } });
    }
    compiled.set(schema, validate);
  }
  return validate;
}

let branchDocuments = 0;

/**
 * The validator of a schema in one Ajv. A schema with an `$id` that Ajv already holds gets the
 * validator Ajv keeps for it: Fastify hands the compiler copies of a route's schema, and Ajv
 * refuses a second object under an `$id` it knows. Our `$id`s name one schema each, so the one
 * Ajv holds is the same schema.
 */
export function compileSchema(ajv: Ajv, schema: object): ValidateFunction {
  const id = (schema as { $id?: unknown }).$id;
  const known = typeof id === 'string' ? ajv.getSchema(id) : undefined;
  return known ?? ajv.compile(schema);
}

function tryCompile(schema: object): ValidateFunction | null {
  try {
    return compileSchema(bodyAjv, schema);
  } catch {
    return null;
  }
}

/** Checks one value against a schema with the body rules: null when it is valid, else its first `limit` errors. */
export function checkValue(
  schema: TSchema,
  value: unknown,
  prefix = '',
  limit = MAX_REPORTED_ERRORS,
): { errors: FieldError[]; more: number } | null {
  const validate = validatorFor(schema);
  if (!validate) throw new Error('a schema Ajv cannot compile');
  return validate(value) ? null : reportAjvErrors(validate.errors ?? [], prefix, limit);
}
