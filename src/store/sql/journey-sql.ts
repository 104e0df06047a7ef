import type { JourneyContext, JourneyInstance, Waiting } from '../../core/journeys/journey.ts';
import type { InstanceUpdate, JourneyWriter, StepCount } from '../journey-store.ts';
import type { Dialect } from './campaign-schema.ts';
import { inList, listValue, nullableNumber, readJson, skipLocked, type SqlRunner } from './sql-runner.ts';

/**
 * The `journey_instances` table of both stores (migration: SQLite 11, PostgreSQL 10 once the canvas definition versions are merged; 10 / 9 until then). The indexes
 * serve (a) the due timers, (b) a user's own waiting instances, and forgets and merges, (c) the
 * counts per journey, version, step and state (an index-only scan).
 */
export function journeyTablesV1({ json, millis }: Dialect): string {
  return `
    CREATE TABLE journey_instances (
      id TEXT PRIMARY KEY,
      journey_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      user_id TEXT NOT NULL,
      step TEXT NOT NULL,
      state TEXT NOT NULL,
      wake_at ${millis},
      waiting_for ${json},
      context ${json} NOT NULL,
      entered_at ${millis} NOT NULL,
      updated_at ${millis} NOT NULL
    );
    CREATE INDEX journey_instances_due ON journey_instances (wake_at, id) WHERE state = 'waiting' AND wake_at IS NOT NULL;
    CREATE INDEX journey_instances_user ON journey_instances (user_id, state);
    CREATE INDEX journey_instances_step ON journey_instances (journey_id, version, step, state);
  `;
}

type Row = Record<string, unknown>;

const COLUMNS = 'id, journey_id, version, user_id, step, state, wake_at, waiting_for, context, entered_at, updated_at';
const WIDTH = COLUMNS.split(',').length;
/** Rows per multi-row INSERT: well under both databases' parameter limits. */
const ROWS_PER_INSERT = 100;

/** What a deleted user's unfinished instances keep as context: nothing of theirs. */
const FORGOTTEN_CONTEXT: JourneyContext = { entry: {} };

/** The journey instances' queries, one implementation for SQLite and PostgreSQL. */
export class JourneySql implements JourneyWriter {
  private readonly sql: SqlRunner;
  /** Inside a PostgreSQL transaction: `waitingForUsers` locks what it returns. */
  private readonly locking: boolean;

  constructor(runner: SqlRunner, options: { locking: boolean }) {
    this.sql = runner;
    this.locking = options.locking && runner.dialect === 'postgres';
  }

  async getInstance(id: string): Promise<JourneyInstance | null> {
    const [row] = await this.sql.rows(`SELECT ${COLUMNS} FROM journey_instances WHERE id = $1`, [id]);
    return row ? this.fromRow(row) : null;
  }

  async waitingForUsers(userIds: string[]): Promise<JourneyInstance[]> {
    if (userIds.length === 0) return [];
    const rows = await this.sql.rows(
      `SELECT ${COLUMNS} FROM journey_instances WHERE ${inList(this.sql, 'user_id', 1)} AND state = 'waiting'
       ORDER BY entered_at, id${this.locking ? ' FOR UPDATE' : ''}`,
      [listValue(this.sql, [...new Set(userIds)])],
    );
    return rows.map((row) => this.fromRow(row));
  }

  async countByStep(journeyId: string): Promise<StepCount[]> {
    const rows = await this.sql.rows(
      `SELECT version, step, state, count(*) AS count FROM journey_instances WHERE journey_id = $1
       GROUP BY version, step, state ORDER BY version, step, state`,
      [journeyId],
    );
    return rows.map((r) => ({
      version: Number(r.version),
      step: String(r.step),
      state: r.state as StepCount['state'],
      count: Number(r.count),
    }));
  }

  async insertInstances(instances: JourneyInstance[]): Promise<void> {
    for (let i = 0; i < instances.length; i += ROWS_PER_INSERT) {
      const chunk = instances.slice(i, i + ROWS_PER_INSERT);
      const placeholders = chunk.map(
        (_, r) => `(${Array.from({ length: WIDTH }, (_, c) => `$${r * WIDTH + c + 1}`).join(', ')})`,
      );
      await this.sql.changes(
        `INSERT INTO journey_instances (${COLUMNS}) VALUES ${placeholders.join(', ')}`,
        chunk.flatMap((instance) => [
          instance.id,
          instance.journey_id,
          instance.version,
          instance.user_id,
          instance.step,
          instance.state,
          instance.wake_at,
          this.jsonOrNull(instance.waiting_for),
          JSON.stringify(instance.context),
          instance.entered_at,
          instance.updated_at,
        ]),
      );
    }
  }

  async updateInstance(id: string, update: InstanceUpdate): Promise<boolean> {
    const changed = await this.sql.changes(
      `UPDATE journey_instances SET step = $2, state = $3, wake_at = $4, waiting_for = $5, context = $6, updated_at = $7
       WHERE id = $1`,
      [
        id,
        update.step,
        update.state,
        update.wake_at,
        this.jsonOrNull(update.waiting_for),
        JSON.stringify(update.context),
        update.updated_at,
      ],
    );
    return changed > 0;
  }

  async claimDueInstances(now: number, limit: number): Promise<JourneyInstance[]> {
    const rows = await this.sql.rows(
      `SELECT ${COLUMNS} FROM journey_instances WHERE state = 'waiting' AND wake_at IS NOT NULL AND wake_at <= $1
       ORDER BY wake_at, id LIMIT $2 ${skipLocked(this.sql)}`,
      [now, limit],
    );
    return rows.map((row) => this.fromRow(row));
  }

  async forgetUser(userId: string): Promise<void> {
    await this.sql.changes("DELETE FROM journey_instances WHERE user_id = $1 AND state = 'done'", [userId]);
    await this.sql.changes(
      "UPDATE journey_instances SET context = $2, state = 'waiting', wake_at = 0 WHERE user_id = $1 AND state <> 'done'",
      [userId, JSON.stringify(FORGOTTEN_CONTEXT)],
    );
  }

  async moveUserHistory(fromId: string, toId: string): Promise<void> {
    await this.sql.changes('UPDATE journey_instances SET user_id = $2 WHERE user_id = $1', [fromId, toId]);
  }

  /** SQL NULL for no value (not the JSON `null`), so that `IS NULL` means what it says on both stores. */
  private jsonOrNull(value: unknown): string | null {
    return value === null || value === undefined ? null : JSON.stringify(value);
  }

  private fromRow(row: Row): JourneyInstance {
    return {
      id: String(row.id),
      journey_id: String(row.journey_id),
      version: Number(row.version),
      user_id: String(row.user_id),
      step: String(row.step),
      state: row.state as JourneyInstance['state'],
      wake_at: nullableNumber(row.wake_at),
      waiting_for: row.waiting_for === null ? null : readJson<Waiting>(this.sql, row.waiting_for),
      context: readJson<JourneyContext>(this.sql, row.context),
      entered_at: Number(row.entered_at),
      updated_at: Number(row.updated_at),
    };
  }
}
