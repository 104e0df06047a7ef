import type { ChannelAdapter } from '../core/campaigns/send-check.ts';
import { reach } from './reachability.ts';
import { buildPayload } from './registry.ts';

/** What the campaign engine needs of the channels: who a user is on one, and the payload it would send. */
export const channelAdapter: ChannelAdapter = {
  reach,
  buildPayload: (content, recipient, channel) => buildPayload(content, recipient, channel),
};
