/** The last message a user received from a campaign (re-eligibility, `received_campaign`, conversions). */
export interface Receipt {
  user_id: string;
  campaign_id: string;
  last_received_at: number;
  /** When that receipt converted; a receipt converts once. */
  converted_at: number | null;
}
