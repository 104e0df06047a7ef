import type { Json } from '../../core/user.ts';
import type { CampaignWriter, DueWork, MessageFilter } from '../campaign-store.ts';
import type { Broadcast } from '../../core/campaigns/broadcast.ts';
import type { DefinitionKind, DefinitionRow } from '../../core/definition-row.ts';
import type { JourneyEntry } from '../../core/campaigns/journey-entry.ts';
import type { MessageRow, MessageUpdate, SandboxMessage } from '../../core/message.ts';
import type { Receipt } from '../../core/campaigns/receipt.ts';
import type { TimelineRow } from '../../core/timeline.ts';
import {
  inList,
  listValue,
  nullableNumber,
  nullableText,
  pairsTable,
  readJson,
  skipLocked,
  type SqlRunner,
} from './sql-runner.ts';

type Row = Record<string, unknown>;

const ENTRY_COLUMNS = 'id, campaign_id, user_id, state, triggered_at, due_at, context, updated_at';
const TIMELINE_COLUMNS = 'id, user_id, campaign_id, entry_id, message_id, at, outcome, reason, details';
const MESSAGE_COLUMNS =
  'id, entry_id, campaign_id, user_id, channel_id, channel_type, recipient, payload, state, attempts, next_attempt_at, lease_until, provider_message_id, error_code, error_message, details, created_at, updated_at';
const SANDBOX_COLUMNS = 'message_id, channel_id, channel_type, recipient, payload, received_at';
const RECEIPT_COLUMNS = 'user_id, campaign_id, last_received_at, converted_at';
const BROADCAST_COLUMNS = 'dispatch_id, campaign_id, properties, after_user, recipients, state, created_at, updated_at';

/** `WHERE a = $1 AND b = $2` for the given columns the filter sets (none: no WHERE). */
function equalities<F extends object>(
  filter: F,
  columns: Array<keyof F & string>,
): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions: string[] = [];
  for (const column of columns) {
    if (filter[column] === undefined) continue;
    values.push(filter[column]);
    conditions.push(`${column} = $${values.length}`);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', values };
}

/** `a = $1, b = $2` for the fields a message update sets, and their values. */
function setClause(update: MessageUpdate): { assignments: string; values: unknown[] } {
  const entries = Object.entries(update).filter(([, value]) => value !== undefined);
  return {
    assignments: entries.map(([column], i) => `${column} = $${i + 1}`).join(', '),
    values: entries.map(([, value]) => value),
  };
}

/** Rows per multi-row INSERT: well under both databases' parameter limits. */
const ROWS_PER_INSERT = 100;

const insertTexts = new Map<string, string>();

/** `INSERT INTO table (columns) VALUES ($1, …), (…)` for `rowCount` rows, built once per shape. */
function insertText(table: string, columns: string, rowCount: number, suffix = ''): string {
  const key = `${table}|${rowCount}|${suffix}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const width = columns.split(',').length;
    const rows = Array.from(
      { length: rowCount },
      (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`,
    );
    text = `INSERT INTO ${table} (${columns}) VALUES ${rows.join(', ')}${suffix}`;
    insertTexts.set(key, text);
  }
  return text;
}

/**
 * The campaign engine's queries, one implementation for SQLite and PostgreSQL. Writes take whole
 * batches (multi-row statements): the scheduler and the dispatcher handle hundreds of sends at once.
 */
export class CampaignSql implements CampaignWriter {
  private readonly sql: SqlRunner;

  constructor(runner: SqlRunner) {
    this.sql = runner;
  }

  private json = (value: unknown): string => JSON.stringify(value);

  /** Returns how many rows were written (an `ON CONFLICT DO NOTHING` suffix may skip some). */
  private async insertRows(table: string, columns: string, rows: unknown[][], suffix = ''): Promise<number> {
    let written = 0;
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      written += await this.sql.changes(insertText(table, columns, chunk.length, suffix), chunk.flat());
    }
    return written;
  }

  // ---- definitions ----------------------------------------------------------------------------

  async listDefinitions<T>(kind: DefinitionKind): Promise<Array<DefinitionRow<T>>> {
    const rows = await this.sql.rows(
      'SELECT kind, id, document, updated_at, activated_at FROM definitions WHERE kind = $1 ORDER BY id',
      [kind],
    );
    return rows.map((row) => this.definitionFromRow<T>(row));
  }

  async getDefinition<T>(kind: DefinitionKind, id: string): Promise<DefinitionRow<T> | null> {
    const [row] = await this.sql.rows(
      'SELECT kind, id, document, updated_at, activated_at FROM definitions WHERE kind = $1 AND id = $2',
      [kind, id],
    );
    return row ? this.definitionFromRow<T>(row) : null;
  }

  async putDefinition(row: DefinitionRow): Promise<void> {
    await this.sql.changes(
      `INSERT INTO definitions (kind, id, document, updated_at, activated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (kind, id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at, activated_at = excluded.activated_at`,
      [row.kind, row.id, this.json(row.document), row.updated_at, row.activated_at],
    );
  }

  async deleteDefinition(kind: DefinitionKind, id: string): Promise<boolean> {
    return (await this.sql.changes('DELETE FROM definitions WHERE kind = $1 AND id = $2', [kind, id])) > 0;
  }

  private definitionFromRow<T>(row: Row): DefinitionRow<T> {
    return {
      kind: row.kind as DefinitionKind,
      id: String(row.id),
      document: readJson<T>(this.sql, row.document),
      updated_at: Number(row.updated_at),
      activated_at: nullableNumber(row.activated_at),
    };
  }

  // ---- journey entries and receipts -----------------------------------------------------------

  async pendingEntries(userIds: string[]): Promise<JourneyEntry[]> {
    if (userIds.length === 0) return [];
    const rows = await this.sql.rows(
      `SELECT ${ENTRY_COLUMNS} FROM journey_entries WHERE ${inList(this.sql, 'user_id', 1)} AND state = 'pending' ORDER BY triggered_at, id`,
      [listValue(this.sql, userIds)],
    );
    return rows.map((row) => this.entryFromRow(row));
  }

  async getEntries(ids: string[]): Promise<JourneyEntry[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.rows(
      `SELECT ${ENTRY_COLUMNS} FROM journey_entries WHERE ${inList(this.sql, 'id', 1)}`,
      [listValue(this.sql, ids)],
    );
    return rows.map((row) => this.entryFromRow(row));
  }

  async insertEntries(entries: JourneyEntry[]): Promise<void> {
    await this.insertRows(
      'journey_entries',
      ENTRY_COLUMNS,
      entries.map((e) => [
        e.id,
        e.campaign_id,
        e.user_id,
        e.state,
        e.triggered_at,
        e.due_at,
        this.json(e.context),
        e.updated_at,
      ]),
    );
  }

  async finishEntries(ids: string[], now: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.rows(
      `UPDATE journey_entries SET state = 'done', updated_at = $1 WHERE ${inList(this.sql, 'id', 2)} AND state = 'pending' RETURNING id`,
      [now, listValue(this.sql, ids)],
    );
    return rows.map((r) => String(r.id));
  }

  async claimDueEntries(now: number, limit: number): Promise<JourneyEntry[]> {
    const rows = await this.sql.rows(
      `SELECT ${ENTRY_COLUMNS} FROM journey_entries WHERE state = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2 ${skipLocked(this.sql)}`,
      [now, limit],
    );
    return rows.map((row) => this.entryFromRow(row));
  }

  async receipts(userIds: string[]): Promise<Receipt[]> {
    if (userIds.length === 0) return [];
    const rows = await this.sql.rows(
      `SELECT user_id, campaign_id, last_received_at, converted_at FROM campaign_receipts WHERE ${inList(this.sql, 'user_id', 1)}`,
      [listValue(this.sql, userIds)],
    );
    return rows.map((r) => ({
      user_id: String(r.user_id),
      campaign_id: String(r.campaign_id),
      last_received_at: Number(r.last_received_at),
      converted_at: nullableNumber(r.converted_at),
    }));
  }

  async upsertReceipts(receipts: Receipt[]): Promise<void> {
    // One statement may not touch a row twice (PostgreSQL refuses it): keep each pair's last receipt.
    const latest = new Map(receipts.map((r) => [`${r.user_id}\u0000${r.campaign_id}`, r]));
    await this.insertRows(
      'campaign_receipts',
      RECEIPT_COLUMNS,
      [...latest.values()].map((r) => [r.user_id, r.campaign_id, r.last_received_at, r.converted_at]),
      ' ON CONFLICT (user_id, campaign_id) DO UPDATE SET last_received_at = excluded.last_received_at, converted_at = excluded.converted_at',
    );
  }

  async nextDue(): Promise<DueWork> {
    const [row] = await this.sql.rows(
      `SELECT (SELECT min(due_at) FROM journey_entries WHERE state = 'pending') AS entries,
              (SELECT min(next_attempt_at) FROM messages WHERE state = 'queued') AS queued,
              (SELECT min(lease_until) FROM messages WHERE state = 'sending') AS leased,
              (SELECT min(created_at) FROM broadcasts WHERE state = 'running') AS broadcasts,
              (SELECT min(wake_at) FROM journey_instances WHERE state = 'waiting' AND wake_at IS NOT NULL) AS journeys`,
    );
    const [queued, leased] = [nullableNumber(row?.queued), nullableNumber(row?.leased)];
    return {
      entries: nullableNumber(row?.entries),
      messages: queued === null ? leased : leased === null ? queued : Math.min(queued, leased),
      broadcasts: nullableNumber(row?.broadcasts),
      journeys: nullableNumber(row?.journeys),
    };
  }

  // ---- broadcasts -------------------------------------------------------------------------------

  async insertBroadcast(b: Broadcast): Promise<void> {
    await this.insertRows('broadcasts', BROADCAST_COLUMNS, [
      [
        b.dispatch_id,
        b.campaign_id,
        this.json(b.properties),
        b.after_user,
        b.recipients,
        b.state,
        b.created_at,
        b.updated_at,
      ],
    ]);
  }

  async getBroadcast(dispatchId: string): Promise<Broadcast | null> {
    const [row] = await this.sql.rows(`SELECT ${BROADCAST_COLUMNS} FROM broadcasts WHERE dispatch_id = $1`, [
      dispatchId,
    ]);
    return row ? this.broadcastFromRow(row) : null;
  }

  async claimRunningBroadcast(): Promise<Broadcast | null> {
    const [row] = await this.sql.rows(
      `SELECT ${BROADCAST_COLUMNS} FROM broadcasts WHERE state = 'running' ORDER BY created_at, dispatch_id LIMIT 1 ${skipLocked(this.sql)}`,
    );
    return row ? this.broadcastFromRow(row) : null;
  }

  async updateBroadcast(
    dispatchId: string,
    update: Pick<Broadcast, 'after_user' | 'recipients' | 'state' | 'updated_at'>,
  ): Promise<void> {
    await this.sql.changes(
      'UPDATE broadcasts SET after_user = $1, recipients = $2, state = $3, updated_at = $4 WHERE dispatch_id = $5',
      [update.after_user, update.recipients, update.state, update.updated_at, dispatchId],
    );
  }

  private broadcastFromRow(row: Row): Broadcast {
    return {
      dispatch_id: String(row.dispatch_id),
      campaign_id: String(row.campaign_id),
      properties: readJson(this.sql, row.properties),
      after_user: nullableText(row.after_user),
      recipients: Number(row.recipients),
      state: row.state as Broadcast['state'],
      created_at: Number(row.created_at),
      updated_at: Number(row.updated_at),
    };
  }

  private entryFromRow(row: Row): JourneyEntry {
    return {
      id: String(row.id),
      campaign_id: String(row.campaign_id),
      user_id: String(row.user_id),
      state: row.state as JourneyEntry['state'],
      triggered_at: Number(row.triggered_at),
      due_at: Number(row.due_at),
      context: readJson(this.sql, row.context),
      updated_at: Number(row.updated_at),
    };
  }

  // ---- timeline ---------------------------------------------------------------------------------

  async insertTimeline(rows: TimelineRow[]): Promise<void> {
    await this.insertRows(
      'timeline',
      TIMELINE_COLUMNS,
      rows.map((t) => [
        t.id,
        t.user_id,
        t.campaign_id,
        t.entry_id,
        t.message_id,
        t.at,
        t.outcome,
        t.reason,
        this.json(t.details),
      ]),
    );
  }

  async listTimeline(userId: string, options: { limit?: number; campaignId?: string } = {}): Promise<TimelineRow[]> {
    const limit = options.limit ?? 100;
    const rows =
      options.campaignId === undefined
        ? await this.sql.rows(
            `SELECT ${TIMELINE_COLUMNS} FROM timeline WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
            [userId, limit],
          )
        : await this.sql.rows(
            `SELECT ${TIMELINE_COLUMNS} FROM timeline WHERE user_id = $1 AND campaign_id = $2 ORDER BY at DESC, id DESC LIMIT $3`,
            [userId, options.campaignId, limit],
          );
    return rows.map((r) => this.timelineFromRow(r));
  }

  async allTimeline(): Promise<TimelineRow[]> {
    return (await this.sql.rows(`SELECT ${TIMELINE_COLUMNS} FROM timeline ORDER BY at, id`)).map((r) =>
      this.timelineFromRow(r),
    );
  }

  private timelineFromRow(r: Row): TimelineRow {
    return {
      id: String(r.id),
      user_id: String(r.user_id),
      campaign_id: nullableText(r.campaign_id),
      entry_id: nullableText(r.entry_id),
      message_id: nullableText(r.message_id),
      at: Number(r.at),
      outcome: String(r.outcome),
      reason: nullableText(r.reason),
      details: readJson<Record<string, Json>>(this.sql, r.details),
    };
  }

  async campaignStats(campaignId: string): Promise<Array<{ outcome: string; reason: string | null; count: number }>> {
    const rows = await this.sql.rows(
      'SELECT outcome, reason, count(*) AS n FROM timeline WHERE campaign_id = $1 GROUP BY outcome, reason ORDER BY outcome, reason',
      [campaignId],
    );
    return rows.map((r) => ({ outcome: String(r.outcome), reason: nullableText(r.reason), count: Number(r.n) }));
  }

  // ---- messages (the outbox) and the sandbox ----------------------------------------------------

  async insertMessages(rows: MessageRow[]): Promise<void> {
    await this.insertRows(
      'messages',
      MESSAGE_COLUMNS,
      rows.map((m) => [
        m.id,
        m.entry_id,
        m.campaign_id,
        m.user_id,
        m.channel_id,
        m.channel_type,
        m.recipient,
        this.json(m.payload),
        m.state,
        m.attempts,
        m.next_attempt_at,
        m.lease_until,
        m.provider_message_id,
        m.error_code,
        m.error_message,
        this.json(m.details),
        m.created_at,
        m.updated_at,
      ]),
    );
  }

  async claimDueMessages(now: number, limit: number, leaseUntil: number): Promise<MessageRow[]> {
    // Queued messages that are due, then those whose dispatcher died (lease run out), each found
    // through its own partial index; then claimed and read back in one statement. (An UPDATE with
    // the search as its subquery cost 0.2 ms on SQLite even when nothing was due.)
    const queued = await this.sql.rows(
      `SELECT id FROM messages WHERE state = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2 ${skipLocked(this.sql)}`,
      [now, limit],
    );
    const abandoned =
      queued.length < limit
        ? await this.sql.rows(
            `SELECT id FROM messages WHERE state = 'sending' AND lease_until <= $1 ORDER BY lease_until, id LIMIT $2 ${skipLocked(this.sql)}`,
            [now, limit - queued.length],
          )
        : [];
    const ids = [...queued, ...abandoned].map((r) => String(r.id));
    if (ids.length === 0) return [];
    const rows = await this.sql.rows(
      `UPDATE messages SET state = 'sending', lease_until = $1, attempts = attempts + 1, updated_at = $2 WHERE ${inList(this.sql, 'id', 3)} RETURNING ${MESSAGE_COLUMNS}`,
      [leaseUntil, now, listValue(this.sql, ids)],
    );
    return rows
      .map((row) => this.messageFromRow(row))
      .sort((a, b) => a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async updateMessages(ids: string[], update: MessageUpdate): Promise<void> {
    if (ids.length === 0) return;
    const { assignments, values } = setClause(update);
    await this.sql.changes(`UPDATE messages SET ${assignments} WHERE ${inList(this.sql, 'id', values.length + 1)}`, [
      ...values,
      listValue(this.sql, ids),
    ]);
  }

  async updateClaimedMessages(ids: string[], leaseUntil: number, update: MessageUpdate): Promise<string[]> {
    if (ids.length === 0) return [];
    const { assignments, values } = setClause(update);
    const rows = await this.sql.rows(
      `UPDATE messages SET ${assignments} WHERE ${inList(this.sql, 'id', values.length + 1)} AND state = 'sending' AND lease_until = $${values.length + 2} RETURNING id`,
      [...values, listValue(this.sql, ids), leaseUntil],
    );
    return rows.map((r) => String(r.id));
  }

  async markClaimedMessagesSent(
    sent: Array<{ id: string; provider_message_id: string | null }>,
    leaseUntil: number,
    now: number,
  ): Promise<string[]> {
    if (sent.length === 0) return [];
    if (this.sql.dialect === 'sqlite') {
      // SQLite's planner scans the whole outbox for an UPDATE … FROM json_each (measured: 78 % of
      // B3's worker); a statement costs no round trip here, so one per message by primary key.
      const held: string[] = [];
      for (const m of sent) {
        const rows = await this.sql.rows(
          `UPDATE messages SET state = 'sent', lease_until = NULL, provider_message_id = $1, error_code = NULL, error_message = NULL, updated_at = $2
           WHERE id = $3 AND state = 'sending' AND lease_until = $4 RETURNING id`,
          [m.provider_message_id, now, m.id, leaseUntil],
        );
        if (rows.length > 0) held.push(m.id);
      }
      return held;
    }
    // PostgreSQL: one statement, joined on the primary key.
    const rows = await this.sql.rows(
      `UPDATE messages SET state = 'sent', lease_until = NULL, provider_message_id = v.value, error_code = NULL, error_message = NULL, updated_at = $1
       FROM ${pairsTable(2)} WHERE messages.id = v.id AND messages.state = 'sending' AND messages.lease_until = $3 RETURNING messages.id`,
      [now, JSON.stringify(sent.map((m) => ({ id: m.id, value: m.provider_message_id }))), leaseUntil],
    );
    return rows.map((r) => String(r.id));
  }

  async listMessages(filter: MessageFilter): Promise<MessageRow[]> {
    const { where, values } = equalities(filter, ['campaign_id', 'user_id', 'channel_id', 'state']);
    let keyset = '';
    if (filter.before) {
      values.push(filter.before.created_at, filter.before.id);
      // A row value: both databases read it as a range of the (…, created_at, id) indexes.
      keyset = `${where === '' ? 'WHERE' : ' AND'} (created_at, id) < ($${values.length - 1}, $${values.length})`;
    }
    values.push(filter.limit ?? 100);
    const rows = await this.sql.rows(
      `SELECT ${MESSAGE_COLUMNS} FROM messages ${where}${keyset} ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map((row) => this.messageFromRow(row));
  }

  async getMessage(id: string): Promise<MessageRow | null> {
    const [row] = await this.sql.rows(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [id]);
    return row ? this.messageFromRow(row) : null;
  }

  async findMessageByProviderId(channelId: string, providerMessageId: string): Promise<MessageRow | null> {
    const [row] = await this.sql.rows(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel_id = $1 AND provider_message_id = $2`,
      [channelId, providerMessageId],
    );
    return row ? this.messageFromRow(row) : null;
  }

  private messageFromRow(row: Row): MessageRow {
    return {
      id: String(row.id),
      entry_id: nullableText(row.entry_id),
      campaign_id: nullableText(row.campaign_id),
      user_id: String(row.user_id),
      channel_id: String(row.channel_id),
      channel_type: String(row.channel_type),
      recipient: String(row.recipient),
      payload: readJson(this.sql, row.payload),
      state: row.state as MessageRow['state'],
      attempts: Number(row.attempts),
      next_attempt_at: Number(row.next_attempt_at),
      lease_until: nullableNumber(row.lease_until),
      provider_message_id: nullableText(row.provider_message_id),
      error_code: nullableText(row.error_code),
      error_message: nullableText(row.error_message),
      details: readJson(this.sql, row.details),
      created_at: Number(row.created_at),
      updated_at: Number(row.updated_at),
    };
  }

  async insertSandboxMessages(rows: SandboxMessage[]): Promise<number> {
    return this.insertRows(
      'sandbox_messages',
      SANDBOX_COLUMNS,
      rows.map((r) => [r.message_id, r.channel_id, r.channel_type, r.recipient, this.json(r.payload), r.received_at]),
      ' ON CONFLICT (message_id) DO NOTHING',
    );
  }

  async clearSandboxMessages(filter: { channel_id?: string; recipient?: string }): Promise<number> {
    const { where, values } = equalities(filter, ['channel_id', 'recipient']);
    return this.sql.changes(`DELETE FROM sandbox_messages ${where}`, values);
  }

  async markWebhookEvents(channelId: string, eventIds: string[], at: number): Promise<string[]> {
    const fresh: string[] = [];
    for (const eventId of new Set(eventIds)) {
      const rows = await this.sql.rows(
        'INSERT INTO inbound_webhook_events (channel_id, event_id, received_at) VALUES ($1, $2, $3) ON CONFLICT (channel_id, event_id) DO NOTHING RETURNING event_id',
        [channelId, eventId, at],
      );
      if (rows.length > 0) fresh.push(eventId);
    }
    return fresh;
  }

  async forgetUser(userId: string): Promise<void> {
    await this.sql.changes(
      'DELETE FROM sandbox_messages WHERE message_id IN (SELECT id FROM messages WHERE user_id = $1)',
      [userId],
    );
    for (const table of ['messages', 'timeline', 'campaign_receipts'])
      await this.sql.changes(`DELETE FROM ${table} WHERE user_id = $1`, [userId]);
    await this.sql.changes("DELETE FROM journey_entries WHERE user_id = $1 AND state <> 'pending'", [userId]);
    await this.sql.changes("UPDATE journey_entries SET context = $2 WHERE user_id = $1 AND state = 'pending'", [
      userId,
      this.json({}),
    ]);
  }

  async moveUserHistory(fromId: string, toId: string): Promise<void> {
    for (const table of ['journey_entries', 'timeline', 'messages'])
      await this.sql.changes(`UPDATE ${table} SET user_id = $2 WHERE user_id = $1`, [fromId, toId]);
    const later = 'excluded.last_received_at > campaign_receipts.last_received_at';
    await this.sql.changes(
      `INSERT INTO campaign_receipts (user_id, campaign_id, last_received_at, converted_at)
       SELECT $2, campaign_id, last_received_at, converted_at FROM campaign_receipts WHERE user_id = $1
       ON CONFLICT (user_id, campaign_id) DO UPDATE SET
         last_received_at = CASE WHEN ${later} THEN excluded.last_received_at ELSE campaign_receipts.last_received_at END,
         converted_at = CASE WHEN ${later} THEN excluded.converted_at ELSE campaign_receipts.converted_at END`,
      [fromId, toId],
    );
    await this.sql.changes('DELETE FROM campaign_receipts WHERE user_id = $1', [fromId]);
  }

  async listSandboxMessages(filter: {
    channel_id?: string;
    recipient?: string;
    limit?: number;
  }): Promise<SandboxMessage[]> {
    const { where, values } = equalities(filter, ['channel_id', 'recipient']);
    values.push(filter.limit ?? 100);
    const rows = await this.sql.rows(
      `SELECT ${SANDBOX_COLUMNS} FROM sandbox_messages ${where} ORDER BY received_at DESC, message_id DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map((r) => ({
      message_id: String(r.message_id),
      channel_id: String(r.channel_id),
      channel_type: String(r.channel_type),
      recipient: String(r.recipient),
      payload: readJson(this.sql, r.payload),
      received_at: Number(r.received_at),
    }));
  }
}
