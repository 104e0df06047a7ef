/**
 * The campaign engine's tables, written once for both dialects. Migration SQL must never change
 * once applied: change these tables with a new function and a new migration, not by editing this.
 */
export interface Dialect {
  /** Column type of JSON documents. */
  json: 'TEXT' | 'JSONB';
  /** Column type of epoch milliseconds. */
  millis: 'INTEGER' | 'BIGINT';
}

export function campaignTablesV1({ json, millis }: Dialect): string {
  return `
    CREATE TABLE definitions (
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      document ${json} NOT NULL,
      updated_at ${millis} NOT NULL,
      activated_at ${millis},
      PRIMARY KEY (kind, id)
    );
    CREATE TABLE journey_entries (
      id TEXT PRIMARY KEY,
      campaign_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      state TEXT NOT NULL,
      triggered_at ${millis} NOT NULL,
      due_at ${millis} NOT NULL,
      context ${json} NOT NULL,
      updated_at ${millis} NOT NULL
    );
    CREATE INDEX journey_entries_due ON journey_entries (due_at) WHERE state = 'pending';
    CREATE INDEX journey_entries_user ON journey_entries (user_id, campaign_id);
    CREATE TABLE campaign_receipts (
      user_id TEXT NOT NULL,
      campaign_id TEXT NOT NULL,
      last_received_at ${millis} NOT NULL,
      converted_at ${millis},
      PRIMARY KEY (user_id, campaign_id)
    );
    CREATE TABLE timeline (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      campaign_id TEXT,
      entry_id TEXT,
      message_id TEXT,
      at ${millis} NOT NULL,
      outcome TEXT NOT NULL,
      reason TEXT,
      details ${json} NOT NULL
    );
    CREATE INDEX timeline_user ON timeline (user_id, at);
    CREATE INDEX timeline_campaign ON timeline (campaign_id, outcome);
    CREATE TABLE messages (
      id TEXT PRIMARY KEY,
      entry_id TEXT,
      campaign_id TEXT,
      user_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      channel_type TEXT NOT NULL,
      recipient TEXT NOT NULL,
      payload ${json} NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      next_attempt_at ${millis} NOT NULL,
      lease_until ${millis},
      provider_message_id TEXT,
      error_code TEXT,
      error_message TEXT,
      details ${json} NOT NULL,
      created_at ${millis} NOT NULL,
      updated_at ${millis} NOT NULL
    );
    CREATE INDEX messages_due ON messages (next_attempt_at) WHERE state IN ('queued', 'sending');
    CREATE INDEX messages_user ON messages (user_id, created_at);
    CREATE INDEX messages_campaign ON messages (campaign_id, created_at);
    CREATE TABLE sandbox_messages (
      message_id TEXT PRIMARY KEY,
      channel_id TEXT NOT NULL,
      channel_type TEXT NOT NULL,
      recipient TEXT NOT NULL,
      payload ${json} NOT NULL,
      received_at ${millis} NOT NULL
    );
    CREATE INDEX sandbox_messages_time ON sandbox_messages (received_at);
  `;
}

/** Due messages found through one index per state (the single `messages_due` index was not used for them). */
export function campaignTablesV2(): string {
  return `
    DROP INDEX messages_due;
    CREATE INDEX messages_queued ON messages (next_attempt_at) WHERE state = 'queued';
    CREATE INDEX messages_leased ON messages (lease_until) WHERE state = 'sending';
  `;
}

/** Inbound webhook events already processed, per channel: a provider's redelivery is recorded once. */
export function inboundTablesV1({ millis }: Pick<Dialect, 'millis'>): string {
  return `
    CREATE TABLE inbound_webhook_events (
      channel_id TEXT NOT NULL,
      event_id TEXT NOT NULL,
      received_at ${millis} NOT NULL,
      PRIMARY KEY (channel_id, event_id)
    );
  `;
}

/** Messages found by their provider's id (delivery callbacks name the message that way). */
export function messageProviderIndexV1(): string {
  return `CREATE INDEX messages_provider ON messages (channel_id, provider_message_id) WHERE provider_message_id IS NOT NULL;`;
}

/** Broadcasts (`/campaigns/trigger/send` with `broadcast: true`): decided page by page, each page its own transaction. */
export function broadcastTablesV1({ json, millis }: Dialect): string {
  return `
    CREATE TABLE broadcasts (
      dispatch_id TEXT PRIMARY KEY,
      campaign_id TEXT NOT NULL,
      properties ${json} NOT NULL,
      after_user TEXT,
      recipients INTEGER NOT NULL,
      state TEXT NOT NULL,
      created_at ${millis} NOT NULL,
      updated_at ${millis} NOT NULL
    );
    CREATE INDEX broadcasts_running ON broadcasts (created_at) WHERE state = 'running';
  `;
}

/**
 * The message log pages by keyset (created_at, id), newest first: one index per way it is
 * filtered, each ending in (created_at, id), so a page is a range read whatever the filter.
 */
export function messageLogIndexesV1(): string {
  return `
    DROP INDEX messages_user;
    DROP INDEX messages_campaign;
    CREATE INDEX messages_user ON messages (user_id, created_at, id);
    CREATE INDEX messages_campaign ON messages (campaign_id, created_at, id);
    CREATE INDEX messages_created ON messages (created_at, id);
  `;
}
