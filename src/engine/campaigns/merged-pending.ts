import { timelineRow } from '../../core/campaigns/decide.ts';
import { redundantAfterMerge } from '../../core/campaigns/merged-pending.ts';
import type { Campaign } from '../../schemas/campaign.ts';
import type { StoreTx } from '../../store/store.ts';

/**
 * Once a merged profile's pending sends have moved onto `userId`, cancels those it now holds
 * twice for one campaign (see redundantAfterMerge), in the merge's transaction: each is finished
 * and recorded `cancelled` with reason `already_pending`, naming the profile it came from.
 * Returns how many it cancelled.
 */
export async function cancelRedundantPending(
  tx: StoreTx,
  ctx: { now: number; newId: () => string },
  userId: string,
  mergedFrom: string,
): Promise<number> {
  const pending = await tx.campaigns.pendingEntries([userId]);
  if (new Set(pending.map((e) => e.campaign_id)).size === pending.length) return 0;
  const campaigns = new Map(
    (await tx.campaigns.listDefinitions<Campaign>('campaign')).map((row) => [row.id, row.document]),
  );
  const redundant = redundantAfterMerge(pending, (id) => campaigns.get(id));
  if (redundant.length === 0) return 0;
  const finished = new Set(
    await tx.campaigns.finishEntries(
      redundant.map((e) => e.id),
      ctx.now,
    ),
  );
  const cancelled = redundant.filter((e) => finished.has(e.id));
  await tx.campaigns.insertTimeline(
    cancelled.map((e) =>
      timelineRow(ctx, userId, e.campaign_id, e.id, 'cancelled', 'already_pending', { merged_from: mergedFrom }),
    ),
  );
  return cancelled.length;
}
