import { followerEstimate, followerPage, type LineApiConfig } from '../channels/line/api.ts';
import { LINE_API_BASE_URL } from '../channels/line/send.ts';
import { resolveSecret } from '../schemas/channel.ts';
import type { SubscriptionChange } from '../store/store.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import type { Engine } from './engine.ts';
import { findOrCreateByAddress } from './address-users.ts';
import { TidingsError } from '../core/errors.ts';

export interface FollowerImport {
  followers: number;
  created: number;
  pages: number;
  /** About how many followers there are (LINE's statistics of yesterday), when LINE says. */
  expected: number | null;
}

/**
 * `tidings line sync-followers`: pages through the channel's followers (`GET
 * /v2/bot/followers/ids`, 1,000 a page) and, one transaction per page, finds each by `line_id` or
 * creates a profile with that `line_id` and the alias `line_id`, and marks them `subscribed` to
 * the channel's subscription group. Idempotent; campaigns are not triggered by an import.
 */
export async function importLineFollowers(
  engine: Engine,
  channelId: string,
  onPage: (progress: FollowerImport) => void = () => {},
): Promise<FollowerImport> {
  const channel = (await liveDefinitions(engine)).channels.get(channelId);
  if (channel?.type !== 'line') throw new TidingsError('not_found', `No LINE channel '${channelId}'`);
  const accessToken = resolveSecret(channel.channel_access_token, engine.config.env);
  if (!accessToken)
    throw new TidingsError('invalid_input', `Channel '${channelId}' has no channel_access_token`, [
      { field: 'channel_access_token', message: 'is required to read the followers' },
    ]);
  const config: LineApiConfig = {
    baseUrl: channel.api_base_url ?? LINE_API_BASE_URL,
    accessToken,
    destinations: engine.config,
  };
  const group = channel.subscription_group ?? null;
  const progress: FollowerImport = {
    followers: 0,
    created: 0,
    pages: 0,
    expected: await followerEstimate(config, engine.clock.now()),
  };
  for (let start: string | null = null; ; ) {
    const page: { userIds: string[]; next: string | null } = await followerPage(config, start);
    progress.created += await upsertFollowers(engine, page.userIds, group);
    progress.followers += page.userIds.length;
    progress.pages += 1;
    onPage({ ...progress });
    if (page.next === null) return progress;
    start = page.next;
  }
}

/** Returns how many profiles it created. */
async function upsertFollowers(engine: Engine, lineIds: string[], group: string | null): Promise<number> {
  if (lineIds.length === 0) return 0;
  return engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const { users, created } = await findOrCreateByAddress(engine, tx, 'line_id', lineIds, now);
    if (group !== null) {
      const changes: SubscriptionChange[] = [...users.values()]
        .filter((u) => u.subscriptions[group]?.state !== 'subscribed')
        .map((u) => ({ user_id: u.id, group_id: group, state: 'subscribed', changed_at: now }));
      if (changes.length > 0) await tx.upsertSubscriptions(changes);
    }
    return created;
  });
}
