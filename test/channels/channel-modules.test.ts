import { describe, expect, test } from 'vitest';
import { CHANNEL_TYPES, inboundModules, moduleOf } from '../../src/channels/registry.ts';
import { lineInboundEvents } from '../../src/channels/line/webhook.ts';
import { smsInboundEvent, twilioSmsWebhook, twilioStatusWebhook } from '../../src/channels/twilio-sms/webhook.ts';
import { ChannelSchema } from '../../src/schemas/channel.ts';
import { bodyAjv, compileSchema } from '../../src/http/validation.ts';
import type { webhook } from '@line/bot-sdk';
import { CHANNELS } from './samples.ts';

describe('every channel module keeps the contract', () => {
  test.each(Object.entries(CHANNEL_TYPES))('%s', (type, module) => {
    expect(module.type).toBe(type);
    // Its config schema is its member of the channel union, and validates its channels.
    expect(ChannelSchema.anyOf).toContain(module.config);
    const validate = compileSchema(bodyAjv, module.config);
    expect(validate(module.validationChannel)).toBe(true);
    expect(validate(CHANNELS.find((c) => c.type === type))).toBe(true);
    // A module with webhooks names who wrote: they are found or created by that address.
    if (module.inbound) expect(module.addressField).not.toBeNull();
    expect(moduleOf(module.validationChannel)).toBe(module);
  });

  test('the webhook URLs are the ones providers are configured with, one route each', () => {
    const urls = inboundModules().flatMap((m) =>
      m.inbound!.endpoints.map((e) => `/webhooks/${m.inbound!.path}/:id${e.suffix}`),
    );
    expect(urls.sort()).toEqual(['/webhooks/line/:id', '/webhooks/twilio/:id', '/webhooks/twilio/:id/status']);
  });

  test('only channels with a provider have a sender', () => {
    expect(Object.fromEntries(Object.entries(CHANNEL_TYPES).map(([type, m]) => [type, m.sender !== null]))).toEqual({
      line: true,
      twilio_sms: true,
      smtp: true,
      webhook: true,
      sandbox: false,
    });
  });
});

describe('inbound events, neutral of the provider', () => {
  const base = { timestamp: 1_700_000_000_000, webhookEventId: 'E1', deliveryContext: { isRedelivery: false } };
  const user = { type: 'user', userId: 'U1' };

  test('LINE: users’ follows and messages; a standby message keeps no reply token; groups and other types are ignored', () => {
    const events = [
      { ...base, type: 'follow', mode: 'active', source: user, replyToken: 'r0' },
      {
        ...base,
        webhookEventId: 'E2',
        type: 'message',
        mode: 'standby',
        source: user,
        replyToken: 'r1',
        message: { type: 'text', id: 'm1', text: 'hi', quoteToken: '' },
      },
      {
        ...base,
        webhookEventId: 'E3',
        type: 'message',
        mode: 'active',
        source: user,
        replyToken: 'r2',
        message: { type: 'sticker', id: 'm2', packageId: '1', stickerId: '2' },
      },
      { ...base, webhookEventId: 'E4', type: 'message', mode: 'active', source: { type: 'group', groupId: 'G' } },
      { ...base, webhookEventId: 'E5', type: 'postback', mode: 'active', source: user },
    ] as unknown as webhook.Event[];
    expect(lineInboundEvents(events)).toEqual({
      events: [
        { kind: 'follow', eventId: 'E1', address: 'U1', at: base.timestamp, answerable: true },
        {
          kind: 'message',
          eventId: 'E2',
          address: 'U1',
          at: base.timestamp,
          answerable: false,
          messageType: 'text',
          text: 'hi',
          properties: { message_id: 'm1', text: 'hi' },
        },
        {
          kind: 'message',
          eventId: 'E3',
          address: 'U1',
          at: base.timestamp,
          answerable: true,
          messageType: 'sticker',
          properties: { message_id: 'm2', reply_token: 'r2' },
        },
      ],
      ignored: 2,
    });
  });

  test('Twilio: an SMS from a national number is addressed in E.164', () => {
    const params = new URLSearchParams({ MessageSid: 'SM1', From: '(415) 555-0100', To: '+15005550006', Body: 'Stop' });
    expect(smsInboundEvent(params, 'US')).toEqual({
      kind: 'message',
      eventId: 'SM1',
      address: '+14155550100',
      answerable: true,
      messageType: 'text',
      text: 'Stop',
      properties: { text: 'Stop', message_id: 'SM1', from_number: '+14155550100', to_number: '+15005550006' },
    });
  });

  test('Twilio: final statuses only; undelivered is failed with the ErrorCode', () => {
    const parse = (fields: Record<string, string>) =>
      twilioStatusWebhook.parse(new URLSearchParams(fields).toString(), { defaultCountry: 'US' });
    expect(parse({ MessageSid: 'SM1', MessageStatus: 'sent' })).toEqual({ events: [], ignored: 1 });
    expect(parse({ MessageSid: 'SM1', MessageStatus: 'delivered' }).events).toEqual([
      { kind: 'delivery_status', providerMessageId: 'SM1', status: 'delivered' },
    ]);
    expect(parse({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' }).events).toEqual([
      {
        kind: 'delivery_status',
        providerMessageId: 'SM1',
        status: 'failed',
        errorCode: '30003',
        error: 'Twilio reported the message undelivered (error 30003)',
      },
    ]);
  });

  test('Twilio: keyword replies go back escaped in TwiML; none is an empty Response', () => {
    const outcome = { recorded: 1, redelivered: 0, ignored: 0 };
    expect(twilioSmsWebhook.answer({ ...outcome, replies: ['Bye <3 & thanks'] })).toEqual({
      status: 200,
      contentType: 'text/xml',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Bye &lt;3 &amp; thanks</Message></Response>',
    });
    expect(twilioSmsWebhook.answer({ ...outcome, replies: [] }).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response/>',
    );
  });
});
