/** One valid content of every type, and channels of every type, for the channel tests. */
import type { Content } from '../../src/schemas/content.ts';
import type { Channel, ChannelOf } from '../../src/schemas/channel.ts';

export const CONTENT: Record<Content['type'], Content> = {
  text: { type: 'text', text: 'Hi there' },
  sticker: { type: 'sticker', package_id: '446', sticker_id: '1988' },
  image: { type: 'image', original_url: 'https://cdn.example/a.jpg', preview_url: 'https://cdn.example/a-small.jpg' },
  carousel: {
    type: 'carousel',
    alt_text: 'Our picks',
    columns: [
      { text: 'First', actions: [{ type: 'uri', label: 'Open', uri: 'https://shop.example/1' }] },
      { text: 'Second', actions: [{ type: 'message', label: 'Pick', text: 'I pick 2' }] },
    ],
  },
  flex: {
    type: 'flex',
    alt_text: 'A bubble',
    contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [] } },
  },
  messages: {
    type: 'messages',
    messages: [
      { type: 'text', text: 'one' },
      { type: 'sticker', packageId: '446', stickerId: '1988' },
    ],
  },
  email: { type: 'email', subject: 'Your cart', html: '<p>Hi</p>', text: 'Hi' },
  webhook: { type: 'webhook', body: { event: 'hello' } },
};

export const LINE: ChannelOf<'line'> = { id: 'line-main', type: 'line', subscription_group: 'line-friends' };
export const SMS: ChannelOf<'twilio_sms'> = {
  id: 'sms-main',
  type: 'twilio_sms',
  from: '+14155550100',
  subscription_group: 'sms-marketing',
};
export const MAIL: ChannelOf<'smtp'> = { id: 'mail', type: 'smtp', from: 'Shop <news@example.com>' };
export const HOOK: ChannelOf<'webhook'> = { id: 'crm-hook', type: 'webhook', url: 'https://crm.example/hook' };
export const SANDBOX: ChannelOf<'sandbox'> = { id: 'inbox', type: 'sandbox' };
export const CHANNELS: Channel[] = [LINE, SMS, MAIL, HOOK, SANDBOX];
