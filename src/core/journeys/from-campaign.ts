import type { Campaign } from '../../schemas/campaign.ts';
import type { JourneyDefinition } from './journey.ts';

/** The id of a compiled campaign's one step. */
export const CAMPAIGN_STEP = 'message';

/**
 * A campaign as a one-step journey: its message, with its delay as the wait before the send, its
 * time window and its end, exactly as planSendTime schedules a campaign today. Entry rules (trigger,
 * audience, launch, re-eligibility, exceptions) stay the entry's business, outside the steps.
 */
export function journeyFromCampaign(campaign: Campaign, version = 1): JourneyDefinition {
  return {
    id: campaign.id,
    version,
    first_step: CAMPAIGN_STEP,
    steps: {
      [CAMPAIGN_STEP]: {
        type: 'message',
        message: campaign.message,
        delay: campaign.delay ?? null,
        time_window: campaign.time_window ?? null,
        ends_at: campaign.ends_at ?? null,
        next: null,
      },
    },
  };
}
