import { MAX_CUSTOM_ATTRIBUTES } from './attributes.ts';
import type { UserRecord } from './user.ts';

/** `dropped`: the source's custom attributes left out because the target had no room for them. */
export type MergeResult = { ok: true; user: UserRecord; dropped: string[] } | { ok: false; error: string };

/**
 * Braze's merge of an unidentified profile into an identified one: what only the source has is
 * copied onto the target, what both have keeps the target's value. Aliases, events and
 * subscriptions the target lacks move with it (the store moves those rows). A moved state is not a
 * subscription change: the `subscription_changed` event that announced it moves too.
 * `keepAttributes: false` (merge_behavior "none") moves identity and history but no attributes.
 * A profile holds at most MAX_CUSTOM_ATTRIBUTES custom attributes: the target keeps all of its own
 * and gains the source's only-source ones in key order (UTF-16 code units, so the same on every
 * store) while there is room; the rest are dropped and named.
 */
export function mergeProfiles(source: UserRecord, target: UserRecord, now: number, keepAttributes = true): MergeResult {
  if (source.external_id !== null)
    return { ok: false, error: `the profile to merge is already identified as '${source.external_id}'` };
  const merged: UserRecord = {
    ...target,
    standard: { ...target.standard },
    custom: { ...target.custom },
    aliases: [...target.aliases],
    subscriptions: { ...target.subscriptions },
    created_at: Math.min(source.created_at, target.created_at),
    updated_at: now,
  };
  const labels = new Set(target.aliases.map((a) => a.alias_label));
  for (const alias of source.aliases) if (!labels.has(alias.alias_label)) merged.aliases.push(alias);
  for (const [group, status] of Object.entries(source.subscriptions)) merged.subscriptions[group] ??= status;
  if (!keepAttributes) return { ok: true, user: merged, dropped: [] };

  merged.email ??= source.email;
  merged.phone ??= source.phone;
  merged.line_id ??= source.line_id;
  merged.last_interacted_channel ??= source.last_interacted_channel;
  for (const [key, value] of Object.entries(source.standard) as Array<[keyof UserRecord['standard'], string | null]>) {
    if (
      value !== null &&
      value !== undefined &&
      (merged.standard[key] === null || merged.standard[key] === undefined)
    ) {
      (merged.standard as Record<string, string | null>)[key] = value;
    }
  }
  const incoming = Object.keys(source.custom)
    .filter((key) => !Object.hasOwn(merged.custom, key))
    .sort();
  const room = Math.max(0, MAX_CUSTOM_ATTRIBUTES - Object.keys(merged.custom).length);
  for (const key of incoming.slice(0, room)) merged.custom[key] = source.custom[key]!;
  return { ok: true, user: merged, dropped: incoming.slice(room) };
}

export type Prioritization = 'identified' | 'unidentified' | 'most_recently_updated' | 'least_recently_updated';

/**
 * Picks one profile among those sharing an email or phone, by Braze's `prioritization` list.
 * More than one left after it means the request was ambiguous: nothing is picked.
 */
export function prioritize(candidates: UserRecord[], prioritization: Prioritization[]): UserRecord[] {
  let pool = candidates;
  if (prioritization.includes('identified')) pool = pool.filter((u) => u.external_id !== null);
  if (prioritization.includes('unidentified')) pool = pool.filter((u) => u.external_id === null);
  if (pool.length <= 1) return pool;
  if (prioritization.includes('most_recently_updated'))
    return [pool.reduce((a, b) => (b.updated_at > a.updated_at ? b : a))];
  if (prioritization.includes('least_recently_updated'))
    return [pool.reduce((a, b) => (b.updated_at < a.updated_at ? b : a))];
  return pool;
}
