import type { DefinitionKind } from '../../core/definition-row.ts';
import { readJson, type SqlRunner } from './sql-runner.ts';

/** One immutable version of a definition (canvases: canvas.md, "Versions of a live journey"). */
export interface DefinitionVersion<T = unknown> {
  kind: DefinitionKind;
  id: string;
  version: number;
  document: T;
  created_at: number;
}

/** The `definition_versions` table of both stores (migration: `definitionVersionsTablesV1`). */
export function definitionVersionsTablesV1(types: { json: string; millis: string }): string {
  return `
    CREATE TABLE definition_versions (
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      version INTEGER NOT NULL,
      document ${types.json} NOT NULL,
      created_at ${types.millis} NOT NULL,
      PRIMARY KEY (kind, id, version)
    );
  `;
}

/** Versions are only ever added: nothing here updates or deletes one. */
export class DefinitionVersionsSql {
  private readonly sql: SqlRunner;

  constructor(sql: SqlRunner) {
    this.sql = sql;
  }

  async latest<T>(kind: DefinitionKind, id: string): Promise<DefinitionVersion<T> | null> {
    const [row] = await this.sql.rows(
      'SELECT kind, id, version, document, created_at FROM definition_versions WHERE kind = $1 AND id = $2 ORDER BY version DESC LIMIT 1',
      [kind, id],
    );
    return row ? this.fromRow<T>(row) : null;
  }

  async get<T>(kind: DefinitionKind, id: string, version: number): Promise<DefinitionVersion<T> | null> {
    const [row] = await this.sql.rows(
      'SELECT kind, id, version, document, created_at FROM definition_versions WHERE kind = $1 AND id = $2 AND version = $3',
      [kind, id, version],
    );
    return row ? this.fromRow<T>(row) : null;
  }

  /** Every version of a definition, oldest first, without their documents. */
  async list(kind: DefinitionKind, id: string): Promise<Array<{ version: number; created_at: number }>> {
    const rows = await this.sql.rows(
      'SELECT version, created_at FROM definition_versions WHERE kind = $1 AND id = $2 ORDER BY version',
      [kind, id],
    );
    return rows.map((row) => ({ version: Number(row.version), created_at: Number(row.created_at) }));
  }

  /** Adds a version; a version number already taken is a unique violation (a concurrent writer), retried by the store. */
  async insert(version: DefinitionVersion): Promise<void> {
    await this.sql.changes(
      'INSERT INTO definition_versions (kind, id, version, document, created_at) VALUES ($1, $2, $3, $4, $5)',
      [version.kind, version.id, version.version, JSON.stringify(version.document), version.created_at],
    );
  }

  private fromRow<T>(row: Record<string, unknown>): DefinitionVersion<T> {
    return {
      kind: row.kind as DefinitionKind,
      id: String(row.id),
      version: Number(row.version),
      document: readJson<T>(this.sql, row.document),
      created_at: Number(row.created_at),
    };
  }
}
