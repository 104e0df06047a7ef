import { UserIndex, type UserRef } from '../../core/identifiers.ts';
import type { TrackItems } from '../../core/track.ts';
import type { Json, UserAlias } from '../../core/user.ts';
import type { Engine } from '../engine.ts';
import { cachedSettings } from '../engine.ts';
import { applyTrack } from '../track.ts';
import { TidingsError } from '../../core/errors.ts';
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
 * audience, eligibility and timing decide as for any trigger. One transaction. With `broadcast`
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
    const { users } = await applyTrack(engine, tx, settings, items, refs);
    const index = new UserIndex([...users.values()]);
    const occurrences: UserOccurrence[] = [];
    for (const [i, recipient] of recipients.entries()) {
      const user = index.resolve(refs[i]);
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
