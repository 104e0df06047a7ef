import type { Campaign } from '../../schemas/campaign.ts';
import type { JourneyEntry } from './journey-entry.ts';

/**
 * After two profiles merge, the pending sends the merged user now holds twice for one campaign:
 * all but the earliest triggered (then the earliest due), which is what one profile would have
 * kept — a later trigger would have been ignored as `already_pending`. Campaigns that send on
 * every trigger (`reeligibility.after_seconds: 0`) keep them all, and so do entries of a campaign
 * no longer defined (they are suppressed when they fall due).
 */
export function redundantAfterMerge(
  pending: readonly JourneyEntry[],
  campaignOf: (id: string) => Campaign | undefined,
): JourneyEntry[] {
  const byCampaign = Map.groupBy(pending, (entry) => entry.campaign_id);
  const redundant: JourneyEntry[] = [];
  for (const [campaignId, entries] of byCampaign) {
    const campaign = campaignOf(campaignId);
    if (!campaign || entries.length < 2 || campaign.reeligibility?.after_seconds === 0) continue;
    const [, ...later] = [...entries].sort(
      (a, b) => a.triggered_at - b.triggered_at || a.due_at - b.due_at || (a.id < b.id ? -1 : 1),
    );
    redundant.push(...later);
  }
  return redundant;
}
