import type { Json } from '../user.ts';

/** What a pending send remembers of its trigger, for the template and the send-time checks. */
export interface EntryContext {
  event?: { name: string; properties: Record<string, Json> };
  api?: Record<string, Json>;
  inbound?: Record<string, Json>;
}

/** One qualifying trigger of a campaign for a user: pending until its send time, then done. */
export interface JourneyEntry {
  id: string;
  campaign_id: string;
  user_id: string;
  state: 'pending' | 'done';
  triggered_at: number;
  due_at: number;
  context: EntryContext;
  updated_at: number;
}
