import type { Campaign } from '../../schemas/campaign.ts';
import type { Segment } from '../../schemas/filters.ts';
import type { EntryContext, JourneyEntry } from './journey-entry.ts';
import type { Receipt } from './receipt.ts';
import type { TimelineRow } from '../timeline.ts';
import type { Json, UserRecord } from '../user.ts';
import { inAudience } from './audience.ts';
import { planSendTime } from './send-time.ts';
import type { InboundContext, Occurrence, TriggerIndex } from './triggers.ts';

/** A campaign as the engine holds it: the definition and when it last became active. */
export interface LiveCampaign {
  campaign: Campaign;
  activatedAt: number | null;
}

/** What the decisions about one user read and change as a request's occurrences are processed in order. */
export interface UserCampaignState {
  user: UserRecord;
  /** This user's pending entries, all campaigns. */
  pending: JourneyEntry[];
  /** By campaign id. */
  receipts: Map<string, Receipt>;
}

export interface DecisionContext {
  now: number;
  companyTimeZone: string;
  campaigns: ReadonlyMap<string, LiveCampaign>;
  segments: ReadonlyMap<string, Segment>;
  index: TriggerIndex;
  newId: () => string;
}

/** Everything decided for one user; the engine writes it in the same transaction. */
export interface Decisions {
  timeline: TimelineRow[];
  entries: JourneyEntry[];
  /** Pending entries that ended (cancelled by an exception). */
  finished: string[];
  receipts: Receipt[];
}

export const emptyDecisions = (): Decisions => ({ timeline: [], entries: [], finished: [], receipts: [] });

/** Exception and conversion occurrences fire other campaigns, which may fire others: stop somewhere. */
const MAX_CHAIN = 8;

/**
 * Decides what one occurrence (an event, an API trigger, another campaign's outcome) does for
 * one user: conversions first, then exceptions (which cancel pending sends), then triggers. A
 * trigger that is also an exception therefore cancels the pending send and schedules a new one.
 * `state` is updated, so the next occurrence of the same request sees these decisions.
 */
export function decideOccurrence(
  occurrence: Occurrence,
  state: UserCampaignState,
  ctx: DecisionContext,
  out: Decisions = emptyDecisions(),
  inbound?: InboundContext,
  depth = 0,
): Decisions {
  const followUps: Occurrence[] = [];
  for (const { campaign, within_seconds } of ctx.index.conversionsFor(occurrence, inbound)) {
    if (convert(campaign, within_seconds, state, ctx, out))
      followUps.push({ kind: 'conversion', campaign: campaign.id, user_id: state.user.id });
  }
  for (const campaign of ctx.index.exceptionsFor(occurrence, inbound)) {
    if (cancelPending(campaign, state, ctx, out))
      followUps.push({ kind: 'exception', campaign: campaign.id, user_id: state.user.id });
  }
  for (const campaign of ctx.index.match(occurrence, inbound)) {
    const live = ctx.campaigns.get(campaign.id);
    if (live) decideTrigger(live, occurrence, state, ctx, out);
  }
  if (depth < MAX_CHAIN) for (const next of followUps) decideOccurrence(next, state, ctx, out, undefined, depth + 1);
  return out;
}

function convert(
  campaign: Campaign,
  withinSeconds: number,
  state: UserCampaignState,
  ctx: DecisionContext,
  out: Decisions,
): boolean {
  const receipt = state.receipts.get(campaign.id);
  if (!receipt || receipt.converted_at !== null) return false;
  if (ctx.now - receipt.last_received_at > withinSeconds * 1000) return false;
  const converted = { ...receipt, converted_at: ctx.now };
  state.receipts.set(campaign.id, converted);
  out.receipts.push(converted);
  out.timeline.push(
    timelineRow(ctx, state.user.id, campaign.id, null, 'converted', null, {
      received_at: new Date(receipt.last_received_at).toISOString(),
    }),
  );
  return true;
}

function cancelPending(campaign: Campaign, state: UserCampaignState, ctx: DecisionContext, out: Decisions): boolean {
  const cancelled = state.pending.filter((entry) => entry.campaign_id === campaign.id);
  if (cancelled.length === 0) return false;
  state.pending = state.pending.filter((entry) => entry.campaign_id !== campaign.id);
  for (const entry of cancelled) {
    out.finished.push(entry.id);
    out.entries = out.entries.filter((e) => e.id !== entry.id);
    out.timeline.push(
      timelineRow(ctx, state.user.id, campaign.id, entry.id, 'cancelled', 'exception_event', {
        send_at: new Date(entry.due_at).toISOString(),
      }),
    );
  }
  return true;
}

/** A trigger matched: is this user eligible, in the audience, and when does the message go? */
export function decideTrigger(
  live: LiveCampaign,
  occurrence: Occurrence,
  state: UserCampaignState,
  ctx: DecisionContext,
  out: Decisions,
): void {
  const { campaign } = live;
  const entryId = ctx.newId();
  const record = (outcome: string, reason: string | null, details: Record<string, Json> = {}) =>
    out.timeline.push(timelineRow(ctx, state.user.id, campaign.id, entryId, outcome, reason, details));
  record('triggered', null, describeOccurrence(occurrence));

  const timing = planSendTime(campaign, {
    triggeredAt: ctx.now,
    activatedAt: live.activatedAt,
    userTimeZone: state.user.standard.time_zone ?? null,
    companyTimeZone: ctx.companyTimeZone,
  });
  if (timing.kind === 'suppress' && timing.reason === 'event_before_launch')
    return void record('suppressed', 'event_before_launch');

  const ineligible = eligibilityProblem(campaign, state, ctx.now);
  if (ineligible) return void record('suppressed', ineligible);
  if (!inAudience(campaign.audience, state.user, audienceContext(state, ctx)))
    return void record('suppressed', 'not_in_audience');
  if (timing.kind === 'suppress') return void record('suppressed', timing.reason);

  const entry: JourneyEntry = {
    id: entryId,
    campaign_id: campaign.id,
    user_id: state.user.id,
    state: 'pending',
    triggered_at: ctx.now,
    due_at: timing.at,
    context: entryContext(occurrence),
    updated_at: ctx.now,
  };
  state.pending.push(entry);
  out.entries.push(entry);
  record(timing.deferred ? 'deferred' : 'scheduled', null, { send_at: new Date(timing.at).toISOString() });
}

/** Re-eligibility counts received messages; a pending send blocks new triggers unless every trigger may send. */
function eligibilityProblem(
  campaign: Campaign,
  state: UserCampaignState,
  now: number,
): 'already_pending' | 'not_reeligible' | null {
  const reeligibility = campaign.reeligibility ?? null;
  const everyTrigger = reeligibility !== null && reeligibility.after_seconds === 0;
  if (!everyTrigger && state.pending.some((entry) => entry.campaign_id === campaign.id)) return 'already_pending';
  const receipt = state.receipts.get(campaign.id);
  if (!receipt) return null;
  if (reeligibility === null) return 'not_reeligible';
  return now - receipt.last_received_at < reeligibility.after_seconds * 1000 ? 'not_reeligible' : null;
}

export function audienceContext(
  state: UserCampaignState,
  ctx: { now: number; segments: ReadonlyMap<string, Segment> },
) {
  return {
    segments: ctx.segments,
    now: ctx.now,
    lastReceivedAt: (campaignId: string) => state.receipts.get(campaignId)?.last_received_at ?? null,
  };
}

function entryContext(occurrence: Occurrence): EntryContext {
  switch (occurrence.kind) {
    case 'event': {
      const { name, properties } = occurrence.event;
      return name === 'inbound_message'
        ? { event: { name, properties }, inbound: properties }
        : { event: { name, properties } };
    }
    case 'api':
      return { api: occurrence.properties ?? {} };
    default:
      return { event: { name: occurrence.kind, properties: { campaign: occurrence.campaign } } };
  }
}

function describeOccurrence(occurrence: Occurrence): Record<string, Json> {
  switch (occurrence.kind) {
    case 'event':
      return { event: occurrence.event.name, event_id: occurrence.event.id };
    case 'api':
      return { trigger: 'api' };
    case 'campaign_interaction':
      return {
        trigger: 'campaign_interaction',
        from_campaign: occurrence.campaign,
        interaction: occurrence.interaction,
      };
    default:
      return { trigger: occurrence.kind, from_campaign: occurrence.campaign };
  }
}

export function timelineRow(
  ctx: { now: number; newId: () => string },
  userId: string,
  campaignId: string | null,
  entryId: string | null,
  outcome: string,
  reason: string | null,
  details: Record<string, Json> = {},
): TimelineRow {
  return {
    id: ctx.newId(),
    user_id: userId,
    campaign_id: campaignId,
    entry_id: entryId,
    message_id: null,
    at: ctx.now,
    outcome,
    reason,
    details,
  };
}
