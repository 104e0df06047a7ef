import type { ChannelAdapter } from '../core/campaigns/send-check.ts';
import { reach } from './reachability.ts';
import { buildPayload } from './registry.ts';

/**
 * What the campaign engine needs of the channels: who a user is on one, the payload it would
 * send, and whether it delivers into the sandbox (the `sandbox` type, or any channel with
 * `sandbox: true`).
 */
export const channelAdapter: ChannelAdapter = {
  reach,
  buildPayload: (content, recipient, channel, options) => buildPayload(content, recipient, channel, options),
  deliversInSandbox: (channel) => channel.type === 'sandbox' || channel.sandbox === true,
};

/** A simulation never reaches a provider: every channel delivers into the sandbox. */
export const simulationAdapter: ChannelAdapter = { ...channelAdapter, deliversInSandbox: () => true };
