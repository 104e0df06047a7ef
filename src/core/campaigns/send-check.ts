import type { Campaign } from '../../schemas/campaign.ts';
import { defaultTextTooLong } from './default-text.ts';
import type { Channel } from '../../schemas/channel.ts';
import type { Content, Message } from '../../schemas/content.ts';
import type { Segment } from '../../schemas/filters.ts';
import type { JourneyEntry } from './journey-entry.ts';
import { buildTemplateContext, renderContent, type ContentBlocks } from '../templates/index.ts';
import type { Json, UserRecord } from '../user.ts';
import { inAudience } from './audience.ts';
import type { LiveCampaign, UserCampaignState } from './decide.ts';
import { audienceContext } from './decide.ts';

export type SendSuppression =
  | 'campaign_inactive'
  | 'not_in_audience_at_send'
  | 'user_deleted'
  | 'no_channel'
  | 'no_address'
  | 'not_subscribed'
  | 'template_error'
  | 'template_aborted';

/** The failures after which a message's `fallback` is tried once. */
export const FALLBACK_REASONS: ReadonlySet<string> = new Set([
  'no_channel',
  'no_address',
  'not_subscribed',
  'provider_rejected',
  'provider_unavailable',
]);

/** How a channel turns content into its provider's request, and who on it a user is. */
export interface ChannelAdapter {
  reach(
    user: UserRecord,
    channel: Channel,
  ): { ok: true; recipient: string } | { ok: false; reason: 'no_address' | 'not_subscribed' };
  /** `publicUrl`: this server's public base URL, for providers that call back (Twilio's StatusCallback). */
  buildPayload(
    content: Content,
    recipient: string,
    channel: Channel,
    options?: { publicUrl?: string | null },
  ): { ok: true; payload: Json; details?: Record<string, Json> } | { ok: false; error: string };
  /** True when this channel's messages go into the sandbox, not to a provider. */
  deliversInSandbox(channel: Channel): boolean;
}

export interface SendCheckContext {
  now: number;
  segments: ReadonlyMap<string, Segment>;
  channels: ReadonlyMap<string, Channel>;
  contentBlocks: ContentBlocks;
  adapter: ChannelAdapter;
  /** settings.public_url */
  publicUrl?: string | null;
}

export type Attempt =
  | { kind: 'suppress'; reason: SendSuppression; channel: string | null; details: Record<string, Json> }
  | { kind: 'send'; channel: Channel; recipient: string; payload: Json; details: Record<string, Json> };

/**
 * The checks when a pending send comes due, in the spec's order: the campaign is still active,
 * the user still exists, the audience again if asked, a channel and an address on it, the
 * subscription, then the template. Returns the attempts made: the message, and when it could
 * not go and has a `fallback`, the fallback too (its own outcome is recorded as well).
 */
export function checkSend(
  entry: JourneyEntry,
  live: LiveCampaign | undefined,
  state: UserCampaignState | null,
  ctx: SendCheckContext,
): Attempt[] {
  if (live?.campaign.status !== 'active') return [suppress('campaign_inactive', null)];
  if (!state) return [suppress('user_deleted', null)];
  const { campaign } = live;
  if (campaign.reevaluate_audience_at_send && !inAudience(campaign.audience, state.user, audienceContext(state, ctx))) {
    return [suppress('not_in_audience_at_send', null)];
  }
  const first = attempt(campaign.message, entry, campaign, state.user, ctx);
  const fallback = campaign.message.fallback;
  if (first.kind === 'suppress' && fallback && FALLBACK_REASONS.has(first.reason)) {
    const second = attempt(fallback, entry, campaign, state.user, ctx);
    return [first, { ...second, details: { ...second.details, fallback: true } }];
  }
  return [first];
}

/** One message on one channel: the channel, the address, the rendered content, the payload. */
export function attempt(
  message: Pick<Message, 'channel' | 'default' | 'by_channel'>,
  entry: JourneyEntry,
  campaign: Campaign,
  user: UserRecord,
  ctx: SendCheckContext,
): Attempt {
  const channelId = message.channel === 'last_interacted' ? user.last_interacted_channel : message.channel;
  const channel = channelId === null ? undefined : ctx.channels.get(channelId);
  if (!channel)
    return suppress(
      'no_channel',
      channelId,
      channelId === null ? { why: 'the user has never written in' } : { why: `no channel '${channelId}'` },
    );
  const reached = ctx.adapter.reach(user, channel);
  if (!reached.ok) return suppress(reached.reason, channel.id);
  const content = message.by_channel?.[channel.id] ?? message.default;
  const context = buildTemplateContext({
    user,
    campaign: { id: campaign.id, name: campaign.name },
    event: entry.context.event,
    api: entry.context.api,
    inbound: entry.context.inbound as never,
  });
  const rendered = renderContent(content, context, ctx.contentBlocks, { now: ctx.now });
  if (!rendered.ok)
    return suppress(rendered.reason, channel.id, {
      message: rendered.message,
      ...(rendered.field ? { field: rendered.field } : {}),
    });
  const tooLong =
    content === message.default && rendered.output.type === 'text' ? defaultTextTooLong(rendered.output.text) : null;
  if (tooLong) return suppress('template_error', channel.id, { message: tooLong, field: 'text' });
  const built = ctx.adapter.buildPayload(rendered.output, reached.recipient, channel, { publicUrl: ctx.publicUrl });
  if (!built.ok) return suppress('template_error', channel.id, { message: built.error });
  return { kind: 'send', channel, recipient: reached.recipient, payload: built.payload, details: built.details ?? {} };
}

const suppress = (reason: SendSuppression, channel: string | null, details: Record<string, Json> = {}): Attempt => ({
  kind: 'suppress',
  reason,
  channel,
  details,
});
