import type { Campaign } from '../../schemas/campaign.ts';
import type { ContentBlock } from '../../schemas/content.ts';
import type { Segment } from '../../schemas/filters.ts';
import type { SubscriptionGroup } from '../../schemas/subscription-group.ts';
import { validateAudience, validateUserFilters, type KnownDefinitions } from './audience.ts';
import type { CheckScope } from './check-scope.ts';
import { validatePropertyFilters } from './property-filter.ts';
import { triggerWordsProblem, type TriggerLike } from './trigger-words.ts';

/** Every definition as it would be after a change: the change is valid only if the whole set is. */
export interface DefinitionSet {
  campaigns: Campaign[];
  segments: Segment[];
  content_blocks: ContentBlock[];
  subscription_groups: SubscriptionGroup[];
  /** Channel ids and their types (`line`, `twilio_sms`, …). */
  channelTypes: ReadonlyMap<string, string>;
}

export interface Problem {
  field: string;
  message: string;
}

/** Checks on message content that live elsewhere (templates, channel limits), handed in. */
export interface ContentChecks {
  /** Problems in a campaign's message, fields under `path`. */
  message(campaign: Campaign, path: string, set: DefinitionSet): Problem[];
  /**
   * Problems of content blocks (syntax, unknown blocks, cycles): of those in `only` (and the cycles
   * through them) when given, else of all.
   */
  contentBlocks(blocks: ContentBlock[], only?: ReadonlySet<string>): Problem[];
}

/**
 * The semantic checks the schemas cannot express, with the field each problem is about. With a
 * scope (see check-scope.ts), only the definitions it names are checked, against the whole set.
 */
export function validateDefinitionSet(set: DefinitionSet, checks: ContentChecks, scope?: CheckScope): Problem[] {
  const known: KnownDefinitions = {
    segments: new Set(set.segments.map((s) => s.id)),
    subscriptionGroups: new Set(set.subscription_groups.map((g) => g.id)),
  };
  const campaignIds = new Set(set.campaigns.map((c) => c.id));
  const problems: Problem[] = [];
  for (const segment of set.segments) {
    if (scope && !scope.segments.has(segment.id)) continue;
    const path = `segments[${segment.id}].filters`;
    // A segment may not name another segment: there is no segment filter kind, so only groups are checked.
    pushProblem(problems, path, validateUserFilters(segment.filters, known, path));
  }
  if (!scope || scope.contentBlocks.size > 0)
    problems.push(...checks.contentBlocks(set.content_blocks, scope?.contentBlocks));
  for (const campaign of set.campaigns) {
    if (scope && !scope.campaigns.has(campaign.id)) continue;
    problems.push(...validateCampaign(campaign, set, known, campaignIds, checks));
  }
  return problems;
}

function validateCampaign(
  campaign: Campaign,
  set: DefinitionSet,
  known: KnownDefinitions,
  campaignIds: ReadonlySet<string>,
  checks: ContentChecks,
): Problem[] {
  const base = `campaigns[${campaign.id}]`;
  const problems: Problem[] = [];
  const shapes: Array<[string, TriggerLike]> = [
    [`${base}.trigger`, campaign.trigger],
    ...(campaign.exceptions ?? []).map((e, i): [string, TriggerLike] => [`${base}.exceptions[${i}]`, e]),
    ...(campaign.conversion_events ?? []).map((e, i): [string, TriggerLike] => [`${base}.conversion_events[${i}]`, e]),
  ];
  for (const [path, shape] of shapes)
    problems.push(...validateTriggerShape(shape, path, known, campaignIds, set.channelTypes));
  pushProblem(problems, `${base}.audience`, validateAudience(campaign.audience, known, `${base}.audience`));

  const startsAt = campaign.starts_at ? Date.parse(campaign.starts_at) : null;
  const endsAt = campaign.ends_at ? Date.parse(campaign.ends_at) : null;
  if (startsAt !== null && endsAt !== null && endsAt <= startsAt) {
    problems.push({
      field: `${base}.ends_at`,
      message: `'${base}.ends_at' (${campaign.ends_at}) must be after starts_at (${campaign.starts_at})`,
    });
  }
  if ((campaign.exceptions ?? []).length > 0 && !campaign.delay && !campaign.time_window) {
    problems.push({
      field: `${base}.exceptions`,
      message: `'${base}.exceptions' can never apply: with no delay and no time window the message goes at once, so nothing is ever pending`,
    });
  }
  const channelRefs = [
    campaign.message.channel,
    ...(campaign.message.fallback ? [campaign.message.fallback.channel] : []),
  ];
  for (const [i, channel] of channelRefs.entries()) {
    if (channel === 'last_interacted' || set.channelTypes.has(channel)) continue;
    const field = i === 0 ? `${base}.message.channel` : `${base}.message.fallback.channel`;
    problems.push({
      field,
      message: `'${field}' names no channel: ${JSON.stringify(channel)} (define it, or use "last_interacted")`,
    });
  }
  for (const [message, path] of [
    [campaign.message, `${base}.message`],
    [campaign.message.fallback, `${base}.message.fallback`],
  ] as const) {
    for (const channel of Object.keys(message?.by_channel ?? {})) {
      if (!set.channelTypes.has(channel))
        problems.push({
          field: `${path}.by_channel.${channel}`,
          message: `'${path}.by_channel' names no channel: ${JSON.stringify(channel)}`,
        });
    }
  }
  problems.push(...checks.message(campaign, `${base}.message`, set));
  return problems;
}

function validateTriggerShape(
  shape: TriggerLike,
  path: string,
  known: KnownDefinitions,
  campaignIds: ReadonlySet<string>,
  channelTypes: ReadonlyMap<string, string>,
): Problem[] {
  const problems: Problem[] = [];
  if ('filters' in shape)
    pushProblem(problems, `${path}.filters`, validatePropertyFilters(shape.filters, `${path}.filters`));
  const words = triggerWordsProblem(shape, path);
  if (words) problems.push({ field: words.field, message: `'${words.field}' ${words.message}` });
  if ('campaign' in shape && shape.campaign !== undefined && !campaignIds.has(shape.campaign)) {
    problems.push({
      field: `${path}.campaign`,
      message: `'${path}.campaign' names no campaign: ${JSON.stringify(shape.campaign)}`,
    });
  }
  if (
    'subscription_group' in shape &&
    shape.subscription_group !== undefined &&
    !known.subscriptionGroups?.has(shape.subscription_group)
  ) {
    problems.push({
      field: `${path}.subscription_group`,
      message: `'${path}.subscription_group' names no subscription group: ${JSON.stringify(shape.subscription_group)}`,
    });
  }
  if (shape.type === 'inbound_message' && shape.channel !== undefined && !channelTypes.has(shape.channel)) {
    problems.push({
      field: `${path}.channel`,
      message: `'${path}.channel' names no channel: ${JSON.stringify(shape.channel)}`,
    });
  }
  return problems;
}

function pushProblem(problems: Problem[], field: string, message: string | null): void {
  if (message !== null) problems.push({ field, message });
}
