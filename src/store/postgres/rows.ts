import type { EventRecord } from '../../core/event.ts';
import type { Json, StandardAttributes, UserRecord } from '../../core/user.ts';
import type { ApiKeyRecord } from '../../core/api-key.ts';

/**
 * Row → record mapping for the PostgreSQL store. The pool's type parsers already turn BIGINT into
 * numbers and JSONB into parsed values, so these only shape the rows.
 */

export type Row = Record<string, unknown>;

/** Column lists, spelled out (no `SELECT *`) so a later migration adding a column changes no result shape. */
export const USER_COLUMNS =
  'id, external_id, email, phone, line_id, standard, custom, last_interacted_channel, created_at, updated_at';
export const EVENT_COLUMNS = 'id, user_id, name, time, properties, purchase, source, received_at';
export const API_KEY_COLUMNS = 'id, name, hash, permissions, created_at';

/** `USER_COLUMNS` qualified with a table alias, for joins. */
export const userColumnsOf = (alias: string): string =>
  USER_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function userFromRow(row: Row): UserRecord {
  return {
    id: String(row.id),
    external_id: text(row.external_id),
    email: text(row.email),
    phone: text(row.phone),
    line_id: text(row.line_id),
    standard: row.standard as StandardAttributes,
    custom: row.custom as Record<string, Json>,
    last_interacted_channel: text(row.last_interacted_channel),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    aliases: [],
    subscriptions: {},
  };
}

export function eventFromRow(row: Row): EventRecord {
  return {
    id: String(row.id),
    user_id: String(row.user_id),
    name: String(row.name),
    time: Number(row.time),
    properties: row.properties as Record<string, Json>,
    purchase: (row.purchase ?? null) as EventRecord['purchase'],
    source: row.source as EventRecord['source'],
    received_at: Number(row.received_at),
  };
}

export function apiKeyFromRow(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    hash: String(row.hash),
    permissions: row.permissions as string[],
    created_at: Number(row.created_at),
  };
}

/** A value for a `jsonb` parameter: always a JSON text, so JSON `null` stays a JSON null, not SQL NULL. */
export const json = (value: unknown): string => JSON.stringify(value);

const LONE_SURROGATE_ESCAPE = /\\ud[89a-f]/;
const wellFormedStrings = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? value.toWellFormed() : value;

/**
 * Records as one JSON array text, for `json_to_recordset($1::json) AS r(column type, …)`: a whole
 * batch in one parameter, each record serialised once (JSONB fields included), no per-column arrays.
 * Keys that are not in the column list are ignored by PostgreSQL; a JSON null becomes SQL NULL.
 */
export function jsonRecords(records: readonly object[]): string {
  const text = JSON.stringify(records);
  // PostgreSQL's JSON parser rejects the escape JSON.stringify writes for a lone UTF-16 surrogate. Sent
  // as a plain text parameter such a string used to reach the database with U+FFFD in its place.
  return LONE_SURROGATE_ESCAPE.test(text) ? JSON.stringify(records, wellFormedStrings) : text;
}
