import type { IdempotencyRecord, IdempotentAnswer } from '../../core/idempotency.ts';
import { nullableText, type SqlRunner } from './sql-runner.ts';

/** The `idempotency_keys` table of both stores (migration: `idempotencyTablesV1`). */
export function idempotencyTablesV1(types: { millis: string }): string {
  return `
    CREATE TABLE idempotency_keys (
      api_key_id TEXT NOT NULL,
      key TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      status INTEGER,
      content_type TEXT,
      body TEXT,
      created_at ${types.millis} NOT NULL,
      PRIMARY KEY (api_key_id, key)
    );
    CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
  `;
}

/** Expired keys deleted per claim: the table shrinks as fast as it grows, a claim stays cheap. */
const PURGE_BATCH = 100;

/** The remembered idempotency keys (core/idempotency.ts), in the caller's transaction. */
export class IdempotencySql {
  private readonly sql: SqlRunner;

  constructor(sql: SqlRunner) {
    this.sql = sql;
  }

  async get(apiKeyId: string, key: string): Promise<IdempotencyRecord | null> {
    const [row] = await this.sql.rows(
      'SELECT api_key_id, key, request_hash, status, content_type, body, created_at FROM idempotency_keys WHERE api_key_id = $1 AND key = $2',
      [apiKeyId, key],
    );
    if (!row) return null;
    return {
      api_key_id: String(row.api_key_id),
      key: String(row.key),
      request_hash: String(row.request_hash),
      answer:
        row.status === null
          ? null
          : { status: Number(row.status), content_type: nullableText(row.content_type), body: String(row.body) },
      created_at: Number(row.created_at),
    };
  }

  /**
   * Claims the key for a request: a new row, or `replacing` (as it was read) taken over. False
   * when another request got there first (it inserted the row, or changed it since it was read).
   */
  async claim(
    claim: { api_key_id: string; key: string; request_hash: string; created_at: number },
    replacing: IdempotencyRecord | null,
  ): Promise<boolean> {
    const values = [claim.api_key_id, claim.key, claim.request_hash, claim.created_at];
    if (replacing === null) {
      return (
        (await this.sql.changes(
          `INSERT INTO idempotency_keys (api_key_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (api_key_id, key) DO NOTHING`,
          values,
        )) > 0
      );
    }
    return (
      (await this.sql.changes(
        `UPDATE idempotency_keys SET request_hash = $3, created_at = $4, status = NULL, content_type = NULL, body = NULL
         WHERE api_key_id = $1 AND key = $2 AND created_at = $5`,
        [...values, replacing.created_at],
      )) > 0
    );
  }

  /** Records the answer of the request that claimed the key at `claimedAt`. */
  async answer(apiKeyId: string, key: string, claimedAt: number, answer: IdempotentAnswer): Promise<void> {
    await this.sql.changes(
      `UPDATE idempotency_keys SET status = $4, content_type = $5, body = $6
       WHERE api_key_id = $1 AND key = $2 AND created_at = $3`,
      [apiKeyId, key, claimedAt, answer.status, answer.content_type, answer.body],
    );
  }

  /** Frees the key the request claimed at `claimedAt` (its answer is not kept). */
  async release(apiKeyId: string, key: string, claimedAt: number): Promise<void> {
    await this.sql.changes('DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = $2 AND created_at = $3', [
      apiKeyId,
      key,
      claimedAt,
    ]);
  }

  /** Deletes up to a batch of keys created before `before`. */
  async purge(before: number): Promise<void> {
    await this.sql.changes(
      `DELETE FROM idempotency_keys WHERE (api_key_id, key) IN (
         SELECT api_key_id, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT ${PURGE_BATCH})`,
      [before],
    );
  }
}
