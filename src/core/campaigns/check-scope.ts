/**
 * Which definitions a change asks to check again. A change is checked with what it writes and
 * what depends on it, never the whole stored set: the outcome of an apply must not depend on how
 * many other definitions are stored, nor on a stored one that a newer rule would refuse.
 *
 * - Written definitions are checked, whole.
 * - A campaign is checked again when its message includes a written content block, directly or
 *   through other blocks (its rendering changes), or goes to a written channel (its type decides
 *   which contents are allowed).
 * - Otherwise a reference only needs its target to exist, and a write never removes one: a
 *   written segment, subscription group or campaign leaves the definitions naming it as valid as
 *   they were.
 * - A removal checks every definition that mentions a removed id (any string or key of its
 *   document, which over-approximates its references), and the blocks and campaigns that include
 *   a removed block, directly or through other blocks.
 */
import type { Campaign } from '../../schemas/campaign.ts';
import { contentBlockReferences } from '../templates/content-blocks.ts';
import type { DefinitionSet } from './validate-definitions.ts';

/** The ids a change writes or removes, by kind. */
export interface DefinitionChange {
  campaigns?: readonly string[];
  segments?: readonly string[];
  content_blocks?: readonly string[];
  channels?: readonly string[];
  subscription_groups?: readonly string[];
  /** True when the named definitions are removed (a delete) rather than written. */
  removed?: boolean;
}

/** The definitions to check, by id. */
export interface CheckScope {
  campaigns: ReadonlySet<string>;
  segments: ReadonlySet<string>;
  contentBlocks: ReadonlySet<string>;
}

export function checkScope(set: DefinitionSet, change: DefinitionChange): CheckScope {
  const changedBlocks = new Set(change.content_blocks ?? []);
  const includingBlocks = blocksIncluding(set, changedBlocks);
  const changedChannels = new Set(change.channels ?? []);
  const removedIds = new Set(
    change.removed
      ? [
          ...(change.campaigns ?? []),
          ...(change.segments ?? []),
          ...(change.content_blocks ?? []),
          ...(change.channels ?? []),
          ...(change.subscription_groups ?? []),
        ]
      : [],
  );
  const mentionsRemoved = (document: unknown) => removedIds.size > 0 && mentionsAny(document, removedIds);

  const campaigns = new Set(change.removed ? [] : (change.campaigns ?? []));
  for (const campaign of set.campaigns) {
    if (
      mentionsRemoved(campaign) ||
      messageChannels(campaign).some((channel) => changedChannels.has(channel)) ||
      (includingBlocks.size > 0 && messageBlocks(campaign).some((block) => includingBlocks.has(block)))
    )
      campaigns.add(campaign.id);
  }
  const segments = new Set(change.removed ? [] : (change.segments ?? []));
  for (const segment of set.segments) if (mentionsRemoved(segment)) segments.add(segment.id);
  // After a removal, the blocks including a removed one (found by their templates) are checked for it.
  const contentBlocks = new Set(change.removed ? includingBlocks : changedBlocks);
  for (const block of set.content_blocks) if (mentionsRemoved(block)) contentBlocks.add(block.id);
  // The removed definitions themselves are gone from the set; the ids only name them.
  if (change.removed) {
    for (const id of change.campaigns ?? []) campaigns.delete(id);
    for (const id of change.segments ?? []) segments.delete(id);
    for (const id of changedBlocks) contentBlocks.delete(id);
  }
  return { campaigns, segments, contentBlocks };
}

/** The given blocks and every block that includes one of them, directly or through others. */
function blocksIncluding(set: DefinitionSet, blocks: ReadonlySet<string>): Set<string> {
  const found = new Set(blocks);
  if (found.size === 0) return found;
  const includedBy = new Map<string, string[]>();
  for (const block of set.content_blocks) {
    for (const name of contentBlockReferences(block.template))
      includedBy.set(name, [...(includedBy.get(name) ?? []), block.id]);
  }
  const pending = [...found];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    for (const parent of includedBy.get(name) ?? []) {
      if (found.has(parent)) continue;
      found.add(parent);
      pending.push(parent);
    }
  }
  return found;
}

/** The channels a campaign's message content is checked against. */
function messageChannels(campaign: Campaign): string[] {
  const { message } = campaign;
  return [message, message.fallback].flatMap((part) =>
    part ? [part.channel, ...Object.keys(part.by_channel ?? {})] : [],
  );
}

/** The content blocks a campaign's message names in any of its strings. */
function messageBlocks(campaign: Campaign): string[] {
  const names: string[] = [];
  forEachString(campaign.message, (text) => {
    if (text.includes('content_blocks')) names.push(...contentBlockReferences(text));
  });
  return names;
}

function mentionsAny(document: unknown, ids: ReadonlySet<string>): boolean {
  let found = false;
  forEachString(document, (text) => {
    if (ids.has(text)) found = true;
  });
  return found;
}

/** Every string value and object key in a JSON value. */
function forEachString(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) forEachString(item, visit);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      visit(key);
      forEachString(item, visit);
    }
  }
}
