import { followerEstimate, followerPage, type LineApiConfig } from '../channels/line/api.ts';
import { LINE_API_BASE_URL } from '../channels/line/send.ts';
import { resolveSecret } from '../schemas/channel.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { cachedSettings, type Engine } from './engine.ts';
import { changeSubscriptions } from './subscription-change.ts';
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
 * the channel's subscription group. Idempotent. A follower who was not `subscribed` before is a
 * subscription change like any other: `subscription_changed` (cause `line_follower_import`) and its
 * triggers.
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
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const { created, scheduled } = await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const { users, created } = await findOrCreateByAddress(engine, tx, 'line_id', lineIds, now);
    if (group === null) return { created, scheduled: false };
    const { decisions } = await changeSubscriptions(
      { engine, tx, defs, settings, now },
      [...users.values()].map((user) => ({
        user,
        groupId: group,
        state: 'subscribed' as const,
        source: 'line_follower_import' as const,
      })),
    );
    return { created, scheduled: decisions.entries.length > 0 };
  });
  if (scheduled) engine.work.notify();
  return created;
}
