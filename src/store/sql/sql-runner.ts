/**
 * What the shared SQL modules need from a backend: run a statement written with `$1…$n`
 * placeholders (in ascending order of first use), and the few dialect differences.
 */
export interface SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  rows(text: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>;
  changes(text: string, values?: unknown[]): Promise<number>;
}

/** `column IN (list)` with the list as one parameter `$n`. */
export function inList(runner: SqlRunner, column: string, parameter: number): string {
  return runner.dialect === 'postgres'
    ? `${column} = ANY($${parameter}::text[])`
    : `${column} IN (SELECT value FROM json_each($${parameter}))`;
}

/** The value of an `inList` parameter. */
export function listValue(runner: SqlRunner, values: string[]): unknown {
  return runner.dialect === 'postgres' ? values : JSON.stringify(values);
}

/** A table `v(id, value)` of text pairs passed as one JSONB parameter `$n` (`[{"id": …, "value": …}]`), to join in a multi-row UPDATE (PostgreSQL). */
export function pairsTable(parameter: number): string {
  return `jsonb_to_recordset($${parameter}::jsonb) AS v(id text, value text)`;
}

/** Row locking for claims: other PostgreSQL processes skip what one has claimed; SQLite has one writer. */
export function skipLocked(runner: SqlRunner): string {
  return runner.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
}

/** JSON columns: PostgreSQL's driver parses JSONB, SQLite gives the text back. */
export function readJson<T>(runner: SqlRunner, value: unknown): T {
  return (runner.dialect === 'sqlite' ? JSON.parse(String(value)) : value) as T;
}

export const nullableNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
export const nullableText = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
