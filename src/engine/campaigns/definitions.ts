import type { LiveCampaign } from '../../core/campaigns/decide.ts';
import { matchesPropertyFilters } from '../../core/campaigns/property-filter.ts';
import { checkScope, type CheckScope, type DefinitionChange } from '../../core/campaigns/check-scope.ts';
import { buildTriggerIndex, type TriggerIndex } from '../../core/campaigns/triggers.ts';
import { validateDefinitionSet, type DefinitionSet, type Problem } from '../../core/campaigns/validate-definitions.ts';
import { isDeepStrictEqual } from 'node:util';
import type { Campaign } from '../../schemas/campaign.ts';
import type { Canvas } from '../../schemas/canvas.ts';
import { validateCanvas } from '../../core/journeys/validate-canvas.ts';
import { keepMaskedSecrets, MASKED_SECRET, type Channel } from '../../schemas/channel.ts';
import type { ContentBlock } from '../../schemas/content.ts';
import type { Segment } from '../../schemas/filters.ts';
import type { SubscriptionGroup } from '../../schemas/subscription-group.ts';
import type { DefinitionKind, DefinitionRow } from '../../core/definition-row.ts';
import type { StoreReader, StoreTx } from '../../store/store.ts';
import type { Engine } from '../engine.ts';
import { normalizeGroup } from '../subscription-groups.ts';
import { invalidInput, TidingsError } from '../../core/errors.ts';
import { unlistedSecretEnv } from '../../channels/secret-env.ts';
import { contentChecks } from './content-checks.ts';

/** A set of definitions applied together (`tidings apply`, POST /v1/apply): all of it, or none. */
export interface DefinitionBundle {
  subscription_groups?: SubscriptionGroup[];
  channels?: Channel[];
  segments?: Segment[];
  content_blocks?: ContentBlock[];
  campaigns?: Campaign[];
  canvases?: Canvas[];
}

/** Everything the engine decides with, built once and cached (engine.caches.definitions). */
export interface LiveDefinitions {
  campaigns: Map<string, LiveCampaign>;
  segments: Map<string, Segment>;
  contentBlocks: Map<string, string>;
  channels: Map<string, Channel>;
  groups: Map<string, SubscriptionGroup>;
  index: TriggerIndex;
}

export interface ApplyReport {
  created: string[];
  updated: string[];
}

const BUNDLE_KINDS: Array<[keyof DefinitionBundle, DefinitionKind | 'subscription_group']> = [
  ['subscription_groups', 'subscription_group'],
  ['channels', 'channel'],
  ['segments', 'segment'],
  ['content_blocks', 'content_block'],
  ['campaigns', 'campaign'],
  ['canvases', 'canvas'],
];

export function liveDefinitions(engine: Engine): Promise<LiveDefinitions> {
  return engine.caches.definitions.get('live', () => engine.store.read(loadLiveDefinitions));
}

export async function loadLiveDefinitions(reader: StoreReader): Promise<LiveDefinitions> {
  const [campaignRows, segments, blocks, channels, groups] = await Promise.all([
    reader.campaigns.listDefinitions<Campaign>('campaign'),
    reader.campaigns.listDefinitions<Segment>('segment'),
    reader.campaigns.listDefinitions<ContentBlock>('content_block'),
    reader.campaigns.listDefinitions<Channel>('channel'),
    reader.listSubscriptionGroups(),
  ]);
  const campaigns = new Map(
    campaignRows.map((row): [string, LiveCampaign] => [
      row.id,
      { campaign: row.document, activatedAt: row.activated_at },
    ]),
  );
  return {
    campaigns,
    segments: new Map(segments.map((row) => [row.id, row.document])),
    contentBlocks: new Map(blocks.map((row) => [row.id, row.document.template])),
    channels: new Map(channels.map((row) => [row.id, row.document])),
    groups: new Map(groups.map((group) => [group.id, group])),
    index: buildTriggerIndex(
      campaignRows.map((row) => row.document),
      matchesPropertyFilters,
    ),
  };
}

/**
 * Creates or replaces every definition of the bundle in one transaction, after checking the whole
 * set as it would then be (so a campaign may name a segment defined in the same bundle). Any
 * problem refuses everything with a 400 naming each field.
 */
export async function applyDefinitions(engine: Engine, bundle: DefinitionBundle): Promise<ApplyReport> {
  const normalized: DefinitionBundle = {
    ...bundle,
    subscription_groups: bundle.subscription_groups?.map(normalizeGroup),
  };
  refuseDuplicateIds(normalized);
  const unreadable = unlistedSecretEnv(normalized.channels ?? [], engine.config.secretEnv);
  if (unreadable.length > 0) throw invalidInput('Invalid definitions', unreadable);
  try {
    return await engine.store.transaction(async (tx) => {
      const current = await currentSet(tx);
      if (normalized.channels)
        normalized.channels = normalized.channels.map((channel, i) => unmasked(channel, i, current.channels));
      const next = mergeBundle(current, normalized);
      const now = engine.clock.now();
      refuseProblems(next, 400, now, checkScope(next, changeOf(normalized)), canvasProblems(next, normalized));
      return writeBundle(tx, normalized, current, now);
    });
  } finally {
    clearDefinitionCaches(engine);
  }
}

/** Deletes one definition, unless the definitions left would name it (409, naming who does). */
export async function deleteDefinition(engine: Engine, kind: DefinitionKind, id: string): Promise<boolean> {
  try {
    return await engine.store.transaction(async (tx) => {
      // No definition names a canvas; its versions are kept (instances stay pinned to them).
      if (kind === 'canvas') return tx.campaigns.deleteDefinition(kind, id);
      const current = await currentSet(tx);
      const key = bundleKeyOf(kind);
      const list = current[key] as Array<{ id: string }>;
      if (!list.some((d) => d.id === id)) return false;
      const next: DefinitionSet = {
        ...current,
        [key]: list.filter((d) => d.id !== id),
        channelTypes: kind === 'channel' ? withoutKey(current.channelTypes, id) : current.channelTypes,
      };
      refuseProblems(next, 409, engine.clock.now(), checkScope(next, { [key]: [id], removed: true }));
      return tx.campaigns.deleteDefinition(kind, id);
    });
  } finally {
    clearDefinitionCaches(engine);
  }
}

export function clearDefinitionCaches(engine: Engine): void {
  engine.caches.definitions.clear();
}

type CurrentSet = DefinitionSet & { channels: Channel[]; canvases: Canvas[]; rows: Map<string, DefinitionRow> };

async function currentSet(tx: StoreTx): Promise<CurrentSet> {
  const rows = new Map<string, DefinitionRow>();
  const list = async <T>(kind: DefinitionKind): Promise<T[]> => {
    const found = await tx.campaigns.listDefinitions<T>(kind);
    for (const row of found) rows.set(`${kind}:${row.id}`, row);
    return found.map((row) => row.document);
  };
  const channels = await list<Channel>('channel');
  return {
    campaigns: await list<Campaign>('campaign'),
    segments: await list<Segment>('segment'),
    content_blocks: await list<ContentBlock>('content_block'),
    subscription_groups: await tx.listSubscriptionGroups(),
    channels,
    channelTypes: new Map(channels.map((c) => [c.id, c.type])),
    canvases: await list<Canvas>('canvas'),
    rows,
  };
}

function mergeBundle(current: CurrentSet, bundle: DefinitionBundle): CurrentSet {
  const replace = <T extends { id: string }>(existing: T[], incoming: T[] | undefined): T[] => {
    if (!incoming) return existing;
    const ids = new Set(incoming.map((d) => d.id));
    return [...existing.filter((d) => !ids.has(d.id)), ...incoming];
  };
  const channels = replace(current.channels, bundle.channels);
  return {
    ...current,
    campaigns: replace(current.campaigns, bundle.campaigns),
    segments: replace(current.segments, bundle.segments),
    content_blocks: replace(current.content_blocks, bundle.content_blocks),
    subscription_groups: replace(current.subscription_groups, bundle.subscription_groups),
    channels,
    channelTypes: new Map(channels.map((c) => [c.id, c.type])),
    canvases: replace(current.canvases, bundle.canvases),
  };
}

async function writeBundle(
  tx: StoreTx,
  bundle: DefinitionBundle,
  current: CurrentSet,
  now: number,
): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], updated: [] };
  const existingGroups = new Set(current.subscription_groups.map((g) => g.id));
  for (const group of bundle.subscription_groups ?? []) {
    (existingGroups.has(group.id) ? report.updated : report.created).push(`subscription_group:${group.id}`);
    await tx.putSubscriptionGroup(group);
  }
  for (const [key, kind] of BUNDLE_KINDS) {
    if (kind === 'subscription_group') continue;
    for (const document of (bundle[key] ?? []) as Array<{ id: string }>) {
      const before = current.rows.get(`${kind}:${document.id}`);
      (before ? report.updated : report.created).push(`${kind}:${document.id}`);
      await tx.campaigns.putDefinition({
        kind,
        id: document.id,
        document,
        updated_at: now,
        activated_at: activatedAt(kind, document, before, now),
      });
      if (kind === 'canvas') await addVersionIfChanged(tx, document, now);
    }
  }
  return report;
}

/** A canvas gets version 1, 2, … per change of its document; writing the same document again makes none. */
async function addVersionIfChanged(tx: StoreTx, document: { id: string }, now: number): Promise<void> {
  const latest = await tx.definitionVersions.latest('canvas', document.id);
  if (latest && isDeepStrictEqual(latest.document, document)) return;
  await tx.definitionVersions.insert({
    kind: 'canvas',
    id: document.id,
    version: (latest?.version ?? 0) + 1,
    document,
    created_at: now,
  });
}

/** The problems of the canvases a bundle writes, checked against the set as it would be. */
function canvasProblems(set: CurrentSet, bundle: DefinitionBundle): Problem[] {
  const known = {
    segments: new Set(set.segments.map((s) => s.id)),
    subscriptionGroups: new Set(set.subscription_groups.map((g) => g.id)),
    channels: set.channelTypes,
  };
  return (bundle.canvases ?? []).flatMap((canvas) => validateCanvas(canvas, known));
}

/** A campaign's activation instant: kept while it stays active, set when it becomes active, cleared otherwise. */
function activatedAt(
  kind: DefinitionKind,
  document: unknown,
  before: DefinitionRow | undefined,
  now: number,
): number | null {
  if (kind !== 'campaign' || (document as Campaign).status !== 'active') return null;
  const wasActive = before !== undefined && (before.document as Campaign).status === 'active';
  return wasActive ? (before.activated_at ?? now) : now;
}

function refuseDuplicateIds(bundle: DefinitionBundle): void {
  const problems: Array<{ field: string; message: string }> = [];
  for (const [key] of BUNDLE_KINDS) {
    const seen = new Set<string>();
    for (const document of (bundle[key] ?? []) as Array<{ id: string }>) {
      if (seen.has(document.id))
        problems.push({ field: `${key}[${document.id}]`, message: `'${key}' defines '${document.id}' more than once` });
      seen.add(document.id);
    }
  }
  if (problems.length > 0)
    throw new TidingsError(
      'invalid_input',
      `Invalid definitions: ${problems.map((p) => p.message).join('; ')}`,
      problems,
    );
}

/** The ids a bundle writes, by kind. */
function changeOf(bundle: DefinitionBundle): DefinitionChange {
  const ids = (documents: Array<{ id: string }> | undefined) => documents?.map((d) => d.id);
  return {
    campaigns: ids(bundle.campaigns),
    segments: ids(bundle.segments),
    content_blocks: ids(bundle.content_blocks),
    channels: ids(bundle.channels),
    subscription_groups: ids(bundle.subscription_groups),
  };
}

/**
 * `now`: the engine's clock, the instant templates render at while they are checked; `scope`:
 * what the change asks to check (never the whole stored set, see check-scope.ts).
 */
function refuseProblems(
  set: DefinitionSet,
  status: 400 | 409,
  now: number,
  scope: CheckScope,
  more: Problem[] = [],
): void {
  const problems = [...validateDefinitionSet(set, contentChecks(now), scope), ...more];
  if (problems.length === 0) return;
  const lead = status === 409 ? 'Other definitions still need this one' : 'Invalid definitions';
  throw new TidingsError(
    status === 409 ? 'conflict' : 'invalid_input',
    `${lead}: ${problems.map((p) => p.message).join('; ')}`,
    problems,
  );
}

/** A channel whose masked secrets (see maskSecrets) are the ones already stored; 400 when there are none to keep. */
function unmasked(channel: Channel, index: number, stored: Channel[]): Channel {
  const { channel: kept, unknown } = keepMaskedSecrets(
    channel,
    stored.find((c) => c.id === channel.id),
  );
  if (unknown.length === 0) return kept;
  const problems = unknown.map((field) => ({
    field: `channels[${index}].${field}`,
    message: `is the mask GET shows (${MASKED_SECRET}) and no secret is stored to keep: give the secret, or {"env": "NAME"}`,
  }));
  throw new TidingsError(
    'invalid_input',
    `Invalid definitions: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
    problems,
  );
}

function bundleKeyOf(
  kind: Exclude<DefinitionKind, 'canvas'>,
): 'campaigns' | 'segments' | 'content_blocks' | 'channels' {
  return (
    { campaign: 'campaigns', segment: 'segments', content_block: 'content_blocks', channel: 'channels' } as const
  )[kind];
}

const withoutKey = (map: ReadonlyMap<string, string>, key: string): Map<string, string> =>
  new Map([...map].filter(([k]) => k !== key));
