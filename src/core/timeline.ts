import type { Json } from './user.ts';

/** One decision about a user, with its outcome and reason code: what `GET /v1/users/{id}/timeline` lists. */
export interface TimelineRow {
  id: string;
  user_id: string;
  campaign_id: string | null;
  entry_id: string | null;
  message_id: string | null;
  at: number;
  outcome: string;
  reason: string | null;
  details: Record<string, Json>;
}
