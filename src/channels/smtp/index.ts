import { SmtpChannel } from '../../schemas/channel.ts';
import type { ChannelModule } from '../channel-module.ts';
import { addressed, groupState } from '../reachability.ts';
import { buildPayload } from './payload.ts';
import { smtpSender } from './send.ts';

/** Email over SMTP: addressed by `email`; reachable unless `email_subscribe` or the group, if any, is `unsubscribed`. */
export const channel: ChannelModule<'smtp'> = {
  type: 'smtp',
  displayName: 'SMTP',
  config: SmtpChannel,
  addressField: 'email',
  subscriptionChannelType: 'email',
  buildPayload,
  reach: (user, channel) =>
    addressed(
      user.email,
      user.standard.email_subscribe !== 'unsubscribed' &&
        groupState(user, channel.subscription_group) !== 'unsubscribed',
    ),
  sender: smtpSender,
  validationChannel: { id: 'validation', type: 'smtp', from: 'validation@example.invalid' },
};
