import { TwilioSmsChannel } from '../../schemas/channel.ts';
import type { ChannelModule } from '../channel-module.ts';
import { addressed, groupState } from '../reachability.ts';
import { buildPayload } from './payload.ts';
import { twilioSender } from './send.ts';
import { smsKeywords, TWILIO_WEBHOOK_PATH, twilioSmsWebhook, twilioStatusWebhook } from './webhook.ts';

/**
 * Twilio SMS: addressed by `phone`; reachable when `subscribed` to the group (explicit opt-in). A
 * channel without a group reaches every phone: its owner chose not to track consent there
 * (transactional senders), and Twilio still blocks numbers that texted STOP. Inbound messages
 * answer the group's keywords; status callbacks record deliveries.
 */
export const channel: ChannelModule<'twilio_sms'> = {
  type: 'twilio_sms',
  displayName: 'Twilio SMS',
  config: TwilioSmsChannel,
  addressField: 'phone',
  subscriptionChannelType: 'sms',
  buildPayload,
  reach: (user, channel) =>
    addressed(user.phone, !channel.subscription_group || groupState(user, channel.subscription_group) === 'subscribed'),
  sender: twilioSender,
  validationChannel: { id: 'validation', type: 'twilio_sms', from: '+15005550006' },
  inbound: { path: TWILIO_WEBHOOK_PATH, endpoints: [twilioStatusWebhook, twilioSmsWebhook], keywords: smsKeywords },
};
