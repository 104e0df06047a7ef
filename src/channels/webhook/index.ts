import { WebhookChannel } from '../../schemas/channel.ts';
import type { ChannelModule } from '../channel-module.ts';
import { everyone } from '../reachability.ts';
import { buildPayload } from './payload.ts';
import { webhookSender } from './send.ts';

/** An HTTP request per message: reaches everyone, addressed by external_id, else the internal id. */
export const channel: ChannelModule<'webhook'> = {
  type: 'webhook',
  displayName: 'webhook',
  config: WebhookChannel,
  addressField: null,
  subscriptionChannelType: null,
  buildPayload,
  reach: everyone,
  sender: webhookSender,
  // Any host: the channel's own URL is not known here; a content URL is checked against it at send time.
  validationChannel: { id: 'validation', type: 'webhook', url: 'https://example.invalid/', url_hosts: ['*'] },
};
