import { systemEvent, type EventRecord } from '../core/event.ts';
import { normalizePhone } from '../core/phone.ts';
import { classifySmsKeyword, smsKeywordReply, type SmsKeyword } from '../core/sms-keywords.ts';
import type { Json, UserRecord } from '../core/user.ts';
import type { ChannelOf } from '../schemas/channel.ts';
import type { StoreTx } from '../store/store.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { recordDelivered, recordFailed } from './campaigns/delivery.ts';
import { findOrCreateByAddress } from './address-users.ts';
import { SubscriptionChanges } from './subscription-change.ts';
import { cachedSettings, type Engine } from './engine.ts';
import { TidingsError } from '../core/errors.ts';

export interface InboundSms {
  /** The answer to put in the TwiML response, or null for none. */
  reply: string | null;
  duplicate: boolean;
}

/**
 * One inbound SMS from a verified Twilio webhook, in one transaction: a repeated `MessageSid` is
 * dropped; the sender is found by phone (E.164), or gets a profile with that phone and the alias
 * `phone`; a STOP/START/HELP-family or custom keyword of the channel's group changes the
 * subscription and chooses the reply (logged as a sent message); every message records
 * `inbound_message` and becomes the last interacted channel, and every message that is not an
 * opt-in, opt-out or help keyword records `sms_response_{group}_custom` (lower-cased
 * `message_body`). Then the triggers fire; the keyword reply goes back in the webhook's answer.
 */
export async function receiveSms(
  engine: Engine,
  channel: ChannelOf<'twilio_sms'>,
  params: URLSearchParams,
): Promise<InboundSms> {
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  const sid = params.get('MessageSid') ?? params.get('SmsMessageSid') ?? '';
  const body = params.get('Body') ?? '';
  const from = params.get('From') ?? '';
  const phone = normalizePhone(from, settings.default_country);
  if (!phone.ok)
    throw new TidingsError('invalid_input', `'From' ${phone.reason}`, [{ field: 'From', message: phone.reason }]);
  const e164 = phone.e164;

  const result = await engine.store.transaction(async (tx) => {
    const now = engine.clock.now();
    if (sid !== '' && (await tx.campaigns.markWebhookEvents(channel.id, [sid], now)).length === 0)
      return { reply: null, duplicate: true, scheduled: false };
    const user = (await findOrCreateByAddress(engine, tx, 'phone', [e164], now)).users.get(e164)!;
    const group = channel.subscription_group ? await tx.getSubscriptionGroup(channel.subscription_group) : null;
    const keyword: SmsKeyword | null = group ? classifySmsKeyword(body, group) : null;
    const changes = new SubscriptionChanges({ engine, tx, defs, settings, now });
    const events: EventRecord[] = [];
    const record = (name: string, properties: Record<string, Json>) => {
      const event = systemEvent({ now, newId: engine.newId }, user.id, name, properties);
      events.push(event);
      return event;
    };

    if (group && (keyword?.kind === 'opt_out' || keyword?.kind === 'opt_in')) {
      const state = keyword.kind === 'opt_out' ? 'unsubscribed' : 'subscribed';
      changes.change({ user, groupId: group.id, state, source: 'sms_keyword' });
    }
    const inbound = record('inbound_message', {
      channel: channel.id,
      channel_type: 'sms',
      ...(group ? { subscription_group: group.id } : {}),
      message_type: 'text',
      text: body,
      message_id: sid,
      from_number: e164,
      to_number: params.get('To') ?? '',
    });
    if (group && (keyword === null || keyword.kind === 'custom')) {
      record(`sms_response_${group.id}_custom`, {
        message_body: body.toLowerCase(),
        to_number: params.get('To') ?? '',
        from_number: e164,
        sms_message_id: sid,
      });
    }
    user.last_interacted_channel = channel.id;
    user.updated_at = now;
    await tx.updateUsers([user]);
    await tx.insertEvents(events);

    const reply =
      keyword && group ? smsKeywordReply(keyword, group, user.subscriptions[group.id]?.state === 'subscribed') : null;
    if (reply !== null) await logReply(engine, tx, channel, user, e164, reply, keyword!, now);
    for (const event of events)
      changes.occurred(
        event === inbound
          ? { userId: user.id, occurrence: { kind: 'event', event }, inbound: { keywordMatched: keyword !== null } }
          : { userId: user.id, occurrence: { kind: 'event', event } },
        user,
      );
    const { decisions } = await changes.commit();
    return { reply, duplicate: false, scheduled: decisions.entries.length > 0 };
  });
  if (result.scheduled) engine.work.notify();
  return { reply: result.reply, duplicate: result.duplicate };
}

/** The keyword reply leaves in the webhook's own answer (TwiML); it is logged as a sent message. */
async function logReply(
  engine: Engine,
  tx: StoreTx,
  channel: ChannelOf<'twilio_sms'>,
  user: UserRecord,
  to: string,
  reply: string,
  keyword: SmsKeyword,
  now: number,
): Promise<void> {
  const id = engine.newId();
  const details = {
    source: 'keyword',
    keyword: keyword.kind,
    ...(keyword.kind === 'custom' ? { category: keyword.category } : {}),
  };
  await tx.campaigns.insertMessages([
    {
      id,
      entry_id: null,
      campaign_id: null,
      user_id: user.id,
      channel_id: channel.id,
      channel_type: channel.type,
      recipient: to,
      payload: { twiml_message: reply },
      state: 'sent',
      attempts: 1,
      next_attempt_at: now,
      lease_until: null,
      provider_message_id: null,
      error_code: null,
      error_message: null,
      details,
      created_at: now,
      updated_at: now,
    },
  ]);
  await tx.campaigns.insertTimeline([
    {
      id: engine.newId(),
      user_id: user.id,
      campaign_id: null,
      entry_id: null,
      message_id: id,
      at: now,
      outcome: 'sent',
      reason: null,
      details: { ...details, channel: channel.id, to, text: reply },
    },
  ]);
}

/**
 * A Twilio status callback: `delivered` moves the message to `delivered` (timeline row and the
 * `delivered` interaction); `failed` or `undelivered` to `failed` with Twilio's `ErrorCode`
 * (`provider_rejected`, and the `failed` interaction). Other statuses, unknown messages and
 * messages already in a final state change nothing. Returns whether something changed.
 */
export async function receiveSmsStatus(
  engine: Engine,
  channel: ChannelOf<'twilio_sms'>,
  params: URLSearchParams,
): Promise<boolean> {
  const status = params.get('MessageStatus') ?? params.get('SmsStatus') ?? '';
  const sid = params.get('MessageSid') ?? params.get('SmsSid') ?? '';
  if (sid === '' || !['delivered', 'failed', 'undelivered'].includes(status)) return false;
  const [defs, settings] = await Promise.all([liveDefinitions(engine), cachedSettings(engine)]);
  return engine.store.transaction(async (tx) => {
    const message = await tx.campaigns.findMessageByProviderId(channel.id, sid);
    if (!message || message.state === 'delivered' || message.state === 'failed') return false;
    const now = engine.clock.now();
    const ctx = { engine, tx, defs, settings, now };
    if (status === 'delivered') {
      await tx.campaigns.updateMessages([message.id], { state: 'delivered', updated_at: now });
      await recordDelivered(ctx, [message]);
      return true;
    }
    const code = params.get('ErrorCode') ?? status;
    const error = `Twilio reported the message ${status}${params.get('ErrorCode') ? ` (error ${params.get('ErrorCode')})` : ''}`;
    await tx.campaigns.updateMessages([message.id], {
      state: 'failed',
      error_code: code,
      error_message: error,
      updated_at: now,
    });
    await recordFailed(ctx, [{ message, reason: 'provider_rejected', code, error }]);
    return true;
  });
}
