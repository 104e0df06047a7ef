import { describe, expect, test } from 'vitest';
import { CHANNEL_TYPES, buildPayload, validateContentForChannel } from '../../src/channels/registry.ts';
import { ChannelSchema, resolveSecret, type ChannelType } from '../../src/schemas/channel.ts';
import type { Content } from '../../src/schemas/content.ts';
import { bodyAjv, compileSchema } from '../../src/http/validation.ts';
import { CHANNELS, CONTENT } from './samples.ts';

const ACCEPTS: Record<ChannelType, Content['type'][]> = {
  line: ['text', 'sticker', 'image', 'carousel', 'flex', 'messages'],
  twilio_sms: ['text'],
  smtp: ['text', 'email'],
  webhook: ['text', 'webhook'],
  sandbox: ['text', 'sticker', 'image', 'carousel', 'flex', 'messages', 'email', 'webhook'],
};
const CONTENT_TYPES = Object.keys(CONTENT) as Content['type'][];
const matrix = CHANNELS.flatMap((channel) =>
  CONTENT_TYPES.map((type) => [channel.type, type, ACCEPTS[channel.type].includes(type)] as const),
);

describe('every content type on every channel type', () => {
  test.each(matrix)('%s × %s: accepted %s', (channelType, contentType, accepted) => {
    const channel = CHANNELS.find((c) => c.type === channelType)!;
    const result = buildPayload(CONTENT[contentType], 'someone', channel);
    expect(result.ok).toBe(accepted);
    if (!result.ok)
      expect(result.error).toMatch(new RegExp(`^${contentType} content cannot be sent on an? \\w+ channel$`));
    expect(validateContentForChannel(CONTENT[contentType], channelType)).toBe(result.ok ? null : result.error);
  });

  test('the sandbox channel type records the content itself, addressed', () => {
    expect(buildPayload(CONTENT.sticker, 'ann', { id: 'inbox', type: 'sandbox' })).toEqual({
      ok: true,
      payload: { to: 'ann', content: CONTENT.sticker },
    });
  });

  test('the registry names the address column of each channel type', () => {
    expect(Object.fromEntries(Object.entries(CHANNEL_TYPES).map(([type, kind]) => [type, kind.addressField]))).toEqual({
      line: 'line_id',
      twilio_sms: 'phone',
      smtp: 'email',
      webhook: null,
      sandbox: null,
    });
  });
});

describe('validateContentForChannel', () => {
  test.each<[string, Content, ChannelType, string | null]>([
    [
      'static LINE text over the limit',
      { type: 'text', text: 'a'.repeat(5001) },
      'line',
      'LINE text is 5,001 UTF-16 units; at most 5,000',
    ],
    [
      'static SMS text over the limit',
      { type: 'text', text: 'a'.repeat(1601) },
      'twilio_sms',
      'SMS body is 1,601 characters; at most 1,600',
    ],
    [
      'a templated SMS text is checked after rendering',
      { type: 'text', text: `{% if user.vip %}${'a'.repeat(1700)}{% endif %}` },
      'twilio_sms',
      null,
    ],
    [
      'a templated image URL',
      {
        type: 'image',
        original_url: 'https://{{ user.custom.cdn }}/a.jpg',
        preview_url: '{{ user.custom.preview }}',
      } as Content,
      'line',
      null,
    ],
    [
      'a templated webhook URL',
      { type: 'webhook', url: '{{ user.custom.hook }}', body: { name: '{{ user.first_name }}' } },
      'webhook',
      null,
    ],
    [
      'a templated attachment URL',
      { type: 'email', text: 'hi', attachments: [{ filename: 'a.pdf', url: '{{ api.trigger_properties.pdf }}' }] },
      'smtp',
      null,
    ],
    [
      'a templated quick reply label',
      { type: 'text', text: 'hi', quick_replies: [{ label: '{{ user.first_name }}', text: 'me' }] },
      'line',
      null,
    ],
    [
      'a static attachment path',
      { type: 'email', text: 'hi', attachments: [{ filename: 'a', url: '/etc/passwd' }] },
      'smtp',
      'attachments[0].url must be an http:// or https:// URL',
    ],
    [
      'a carousel of different shapes',
      {
        type: 'carousel',
        alt_text: 'x',
        columns: [
          { text: 'a', title: 'T', actions: [{ type: 'uri', label: 'l', uri: 'https://a.example' }] },
          { text: 'b', actions: [{ type: 'uri', label: 'l', uri: 'https://a.example' }] },
        ],
      },
      'line',
      'every carousel column must have a title if any column has one',
    ],
  ])('%s', (_name, content, channelType, error) => {
    expect(validateContentForChannel(content, channelType)).toBe(error);
  });
});

describe('ChannelSchema', () => {
  const validate = compileSchema(bodyAjv, ChannelSchema);

  test.each([
    {
      id: 'line-main',
      type: 'line',
      channel_secret: { env: 'LINE_SECRET' },
      channel_access_token: { env: 'LINE_TOKEN' },
      subscription_group: 'line-friends',
      api_base_url: 'https://api.line.me',
    },
    {
      id: 'sms-main',
      type: 'twilio_sms',
      account_sid: 'AC123',
      auth_token: { env: 'TWILIO_TOKEN' },
      from: '+14155550100',
      messaging_service_sid: null,
      subscription_group: 'sms-marketing',
      api_base_url: 'https://api.twilio.com',
    },
    {
      id: 'mail',
      type: 'smtp',
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      user: 'me',
      password: { env: 'SMTP_PASSWORD' },
      from: 'Shop <news@example.com>',
    },
    { id: 'crm-hook', type: 'webhook', url: 'https://crm.example/hook', method: 'POST', headers: {} },
    { id: 'fake-line', type: 'line', api_base_url: 'http://127.0.0.1:4010', sandbox: true },
    { id: 'inbox', type: 'sandbox' },
  ])('accepts the spec example %j', (channel) => {
    expect(validate(channel), JSON.stringify(validate.errors)).toBe(true);
  });

  test.each([
    ['an unknown type', { id: 'x', type: 'fax' }],
    ['an id that is not a slug', { id: 'Line Main', type: 'line' }],
    ['an unknown field', { id: 'x', type: 'line', token: 'abc' }],
    ['a secret object with extra fields', { id: 'x', type: 'line', channel_secret: { env: 'A', value: 'b' } }],
    ['a secret naming no variable', { id: 'x', type: 'line', channel_secret: { env: '1 bad' } }],
    ['a webhook without a url', { id: 'x', type: 'webhook' }],
    ['a webhook with a non-http url', { id: 'x', type: 'webhook', url: 'ftp://x' }],
    ['a sandbox channel with settings', { id: 'x', type: 'sandbox', sandbox: true }],
    ['an SMTP port out of range', { id: 'x', type: 'smtp', port: 70000 }],
  ])('refuses %s', (_name, channel) => {
    expect(validate(channel)).toBe(false);
  });

  test('resolveSecret reads inline values and environment variables', () => {
    const env = { LINE_TOKEN: 'tok', EMPTY: '' };
    expect(resolveSecret('inline', env)).toBe('inline');
    expect(resolveSecret({ env: 'LINE_TOKEN' }, env)).toBe('tok');
    expect(resolveSecret({ env: 'MISSING' }, env)).toBeUndefined();
    expect(resolveSecret({ env: 'EMPTY' }, env)).toBeUndefined();
    expect(resolveSecret(null, env)).toBeUndefined();
  });
});
