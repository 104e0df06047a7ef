import { moduleOf } from '../channels/registry.ts';
import type { AddressField } from '../channels/channel-module.ts';
import type { SubscriptionChangeSource } from '../core/subscription-change.ts';
import { TidingsError } from '../core/errors.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { cachedSettings, type Engine } from './engine.ts';
import { changeSubscriptions } from './subscription-change.ts';
import { findOrCreateByAddress } from './address-users.ts';

export interface FollowerImport {
  followers: number;
  created: number;
  pages: number;
  /** About how many followers there are, when the provider says. */
  expected: number | null;
}

/**
 * `sync_followers` (`tidings line sync-followers`), for a channel whose module can list its
 * followers: pages through them and, one transaction per page, finds each by the channel's
 * address field or creates a profile with that address and its alias, and marks them
 * `subscribed` to the channel's subscription group. Idempotent. A follower who was not
 * `subscribed` before is a subscription change like any other: `subscription_changed` (the
 * module's cause, e.g. `line_follower_import`) and its triggers.
 */
export async function importFollowers(
  engine: Engine,
  channelId: string,
  onPage: (progress: FollowerImport) => void = () => {},
): Promise<FollowerImport> {
  const channel = (await liveDefinitions(engine)).channels.get(channelId);
  const module = channel ? moduleOf(channel) : null;
  if (!channel || !module?.followers || module.addressField === null)
    throw new TidingsError('not_found', `No channel '${channelId}' with followers to import`);
  const pages = module.followers.open(channel, engine.config.env, engine.config);
  const group = ('subscription_group' in channel ? channel.subscription_group : null) ?? null;
  const progress: FollowerImport = {
    followers: 0,
    created: 0,
    pages: 0,
    expected: await pages.estimate(engine.clock.now()),
  };
  for (let start: string | null = null; ; ) {
    const page: { addresses: string[]; next: string | null } = await pages.page(start);
    progress.created += await upsertFollowers(engine, module.addressField, page.addresses, group, pages.source);
    progress.followers += page.addresses.length;
    progress.pages += 1;
    onPage({ ...progress });
    if (page.next === null) return progress;
    start = page.next;
  }
}

/** Returns how many profiles it created. */
async function upsertFollowers(
  engine: Engine,
  field: AddressField,
  addresses: string[],
  group: string | null,
  source: SubscriptionChangeSource,
): Promise<number> {
  if (addresses.length === 0) return 0;
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const { created, scheduled } = await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    const { users, created } = await findOrCreateByAddress(engine, tx, field, addresses, now);
    if (group === null) return { created, scheduled: false };
    const { decisions } = await changeSubscriptions(
      { engine, tx, defs, settings, now },
      [...users.values()].map((user) => ({ user, groupId: group, state: 'subscribed' as const, source })),
    );
    return { created, scheduled: decisions.entries.length > 0 };
  });
  if (scheduled) engine.work.notify();
  return created;
}
