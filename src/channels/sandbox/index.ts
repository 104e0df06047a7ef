import type { Json } from '../../core/user.ts';
import { SandboxChannel } from '../../schemas/channel.ts';
import type { ChannelModule } from '../channel-module.ts';
import { everyone } from '../reachability.ts';

/**
 * No provider: every message goes into the sandbox inbox. Its payload is the content itself,
 * addressed; it reaches everyone, by external_id, else the internal id.
 */
export const channel: ChannelModule<'sandbox'> = {
  type: 'sandbox',
  displayName: 'sandbox',
  config: SandboxChannel,
  addressField: null,
  subscriptionChannelType: null,
  buildPayload: (content, recipient) => ({ ok: true, payload: { to: recipient, content: content as Json } }),
  reach: everyone,
  sender: null,
  validationChannel: { id: 'validation', type: 'sandbox' },
};
