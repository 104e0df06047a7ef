/**
 * The one catalogue of errors Tidings reports to a caller. Engine and core code throw a
 * `TidingsError` with a code from this list; `http/errors.ts` maps each code to its HTTP status
 * and the CLI to its exit status, so the meaning of an error is decided once, where it is raised.
 */
export const ERROR_CODES = [
  /** The input is wrong; `errors` names each field and why. */
  'invalid_input',
  /** No key, a bad key, or a bad provider signature. */
  'unauthorized',
  /** The key is valid but lacks the permission. */
  'forbidden',
  'not_found',
  /** The request contradicts the stored state (another definition depends on this one, …). */
  'conflict',
  /** Well-formed but not acceptable as it stands (an idempotency key reused with another body). */
  'unprocessable',
  'too_many_requests',
  /** A provider Tidings called on the caller's behalf refused or failed. */
  'provider_failed',
  /** The store did not answer within its deadline, or its connection was lost. */
  'store_unavailable',
  /** The store cannot take a write: the disk is full. */
  'store_full',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldProblem {
  field: string;
  message: string;
}

export class TidingsError extends Error {
  readonly code: ErrorCode;
  readonly errors?: unknown[];

  constructor(code: ErrorCode, message: string, errors?: unknown[]) {
    super(message);
    this.name = 'TidingsError';
    this.code = code;
    this.errors = errors;
  }
}

/** A 400-class error naming each field, with a message that lists them. */
export function invalidInput(lead: string, problems: FieldProblem[]): TidingsError {
  return new TidingsError(
    'invalid_input',
    `${lead}: ${problems.map((p) => `'${p.field}' ${p.message}`).join('; ')}`,
    problems,
  );
}
