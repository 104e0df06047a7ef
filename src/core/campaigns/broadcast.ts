import type { Json } from '../user.ts';

/** A broadcast being decided page by page: the users after `after_user` (by id) are still to come. */
export interface Broadcast {
  dispatch_id: string;
  campaign_id: string;
  properties: Record<string, Json>;
  after_user: string | null;
  /** Users of the campaign's audience triggered so far. */
  recipients: number;
  state: 'running' | 'done';
  created_at: number;
  updated_at: number;
}
