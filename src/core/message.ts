import type { Json } from './user.ts';

export type MessageState = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed';

/** An outgoing message (the outbox): written with the decision, sent by the dispatcher. */
export interface MessageRow {
  id: string;
  entry_id: string | null;
  campaign_id: string | null;
  user_id: string;
  channel_id: string;
  channel_type: string;
  recipient: string;
  payload: Json;
  state: MessageState;
  attempts: number;
  next_attempt_at: number;
  /** While `sending`: until when the dispatcher that claimed it owns it. */
  lease_until: number | null;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  details: Record<string, Json>;
  created_at: number;
  updated_at: number;
}

export type MessageUpdate = Partial<
  Pick<MessageRow, 'state' | 'next_attempt_at' | 'lease_until' | 'provider_message_id' | 'error_code' | 'error_message'>
> & { updated_at: number };

export interface SandboxMessage {
  message_id: string;
  channel_id: string;
  channel_type: string;
  recipient: string;
  payload: Json;
  received_at: number;
}
