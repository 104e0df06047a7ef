import { attributeProblems } from '../../core/attribute-problems.ts';
import { keysForRefs, UserIndex, type UserRef } from '../../core/identifiers.ts';
import { formatPath } from '../../core/json-limits.ts';
import type { TrackItems } from '../../core/track.ts';
import { newUserRecord, type Json, type UserAlias } from '../../core/user.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { SubscriptionGroup } from '../../schemas/subscription-group.ts';
import type { StoreTx } from '../../store/store.ts';
import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { applyTrack } from '../track.ts';
import { invalidInput, TidingsError, type FieldProblem } from '../../core/errors.ts';
import { liveDefinitions } from './definitions.ts';
import { startBroadcast } from './broadcast.ts';
import { evaluateOccurrences, type UserOccurrence } from './evaluate.ts';

export interface TriggerSendRecipient {
  external_user_id?: string;
  user_alias?: UserAlias;
  trigger_properties?: Record<string, Json>;
  send_to_existing_only?: boolean;
  attributes?: Record<string, unknown>;
}

export interface TriggerSendRequest {
  campaign_id: string;
  send_id?: string;
  trigger_properties?: Record<string, Json>;
  broadcast?: boolean;
  recipients?: TriggerSendRecipient[];
}

/**
 * Braze's `/campaigns/trigger/send` for campaigns with an `api` trigger: recipients' attributes
 * are applied first (creating users when `send_to_existing_only` is false), then each recipient
 * is triggered with the top-level trigger properties overridden by their own; the campaign's
 * audience, eligibility and timing decide as for any trigger. One transaction, refused as a whole
 * (a 400 naming `recipients[i].attributes.<field>`) when any recipient's attributes are invalid,
 * so that no recipient is updated or triggered on a request that partly failed. With `broadcast`
 * (and no recipients) every user in the campaign's audience is triggered instead, by the worker,
 * page by page (broadcast.ts); the answer does not wait for it.
 */
export async function triggerSend(engine: Engine, request: TriggerSendRequest): Promise<{ dispatch_id: string }> {
  const [settings, defs] = await Promise.all([cachedSettings(engine), liveDefinitions(engine)]);
  const live = defs.campaigns.get(request.campaign_id);
  if (live?.campaign.trigger.type !== 'api') {
    throw new TidingsError(
      'invalid_input',
      `Invalid Campaign ID: '${request.campaign_id}' is not an API-triggered campaign`,
      [{ field: 'campaign_id', message: 'names no campaign with an api trigger' }],
    );
  }
  if (live.campaign.status !== 'active') {
    throw new TidingsError(
      'invalid_input',
      `Invalid Campaign ID: campaign '${request.campaign_id}' is ${live.campaign.status}, not active`,
      [{ field: 'campaign_id', message: `campaign is ${live.campaign.status}` }],
    );
  }
  if (request.broadcast)
    return { dispatch_id: await startBroadcast(engine, request.campaign_id, { ...request.trigger_properties }) };
  const recipients = request.recipients ?? [];
  const refs = recipients.map(recipientRef);
  const items: TrackItems = { attributes: [], events: [], purchases: [] };
  recipients.forEach((recipient, index) => {
    if (recipient.attributes === undefined) return;
    const identifier =
      recipient.external_user_id !== undefined
        ? { external_id: recipient.external_user_id }
        : { user_alias: recipient.user_alias };
    items.attributes.push({
      index,
      value: { ...recipient.attributes, ...identifier, _update_existing_only: recipient.send_to_existing_only ?? true },
    });
  });

  const dispatchId = engine.newId();
  const result = await engine.store.transaction(async (tx) => {
    const problems = await recipientAttributeProblems(engine, tx, settings, recipients, refs);
    if (problems.length > 0) throw invalidInput('Invalid recipient attributes', problems);
    const { users } = await applyTrack(engine, tx, settings, items, refs);
    const index = new UserIndex([...users.values()]);
    const occurrences: UserOccurrence[] = [];
    for (const [i, recipient] of recipients.entries()) {
      const ref = refs[i];
      const user = ref && index.resolve(ref);
      if (!user) continue;
      const properties = { ...request.trigger_properties, ...recipient.trigger_properties };
      occurrences.push({ userId: user.id, occurrence: { kind: 'api', campaign: request.campaign_id, properties } });
    }
    const decisions = await evaluateOccurrences(engine, tx, defs, settings, occurrences, users);
    return { scheduled: decisions.entries.length > 0 };
  });
  if (result.scheduled) engine.work.notify();
  return { dispatch_id: dispatchId };
}

function recipientRef(recipient: TriggerSendRecipient): UserRef {
  return recipient.external_user_id !== undefined
    ? { kind: 'external_id', value: recipient.external_user_id }
    : { kind: 'user_alias', alias: recipient.user_alias! };
}

/**
 * Every invalid field of the recipients' attributes, judged against the profiles as the request
 * finds them (a counter's current value, a profile's custom-attribute count). A recipient that
 * names no profile and may not create one is skipped, as the send skips it.
 */
async function recipientAttributeProblems(
  engine: Engine,
  tx: StoreTx,
  settings: Settings,
  recipients: TriggerSendRecipient[],
  refs: UserRef[],
): Promise<FieldProblem[]> {
  const updating = [...recipients.keys()].filter((i) => recipients[i]?.attributes !== undefined);
  if (updating.length === 0) return [];
  const index = new UserIndex(await tx.loadUsers(keysForRefs(updating.map((i) => refs[i]!))));
  const groups = updating.some((i) => recipients[i]?.attributes?.subscription_groups !== undefined)
    ? new Map((await tx.listSubscriptionGroups()).map((group) => [group.id, group]))
    : new Map<string, SubscriptionGroup>();
  const ctx = { defaultCountry: settings.default_country, now: engine.clock.now(), groups };
  const problems: FieldProblem[] = [];
  for (const i of updating) {
    const recipient = recipients[i]!;
    const existing = index.resolve(refs[i]!);
    if (!existing && recipient.send_to_existing_only !== false) continue;
    const checked = attributeProblems(
      existing ?? newRecipientRecord(recipient, i, ctx.now),
      recipient.attributes!,
      ctx,
    );
    index.put(checked.user);
    for (const { key, message } of checked.problems)
      problems.push({ field: formatPath(['recipients', i, 'attributes', key]), message });
  }
  return problems;
}

/** A stand-in for the profile the send would create, so that a later recipient naming it finds it. */
function newRecipientRecord(recipient: TriggerSendRecipient, i: number, now: number) {
  const user = newUserRecord(`recipient-${i}`, now);
  if (recipient.external_user_id !== undefined) user.external_id = recipient.external_user_id;
  else if (recipient.user_alias) user.aliases = [recipient.user_alias];
  return user;
}
