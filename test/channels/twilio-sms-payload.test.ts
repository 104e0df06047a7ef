import { describe, expect, test } from 'vitest';
import { buildPayload } from '../../src/channels/twilio-sms/payload.ts';
import type { Content } from '../../src/schemas/content.ts';
import { CONTENT, SMS } from './samples.ts';

const TO = '+819012345678';
const text = (body: string, extra: Partial<Extract<Content, { type: 'text' }>> = {}): Content => ({
  type: 'text',
  text: body,
  ...extra,
});
const refusal = (content: Content) => {
  const result = buildPayload(content, TO, SMS);
  return result.ok ? null : result.error;
};

describe('Twilio SMS payload', () => {
  test('text becomes the Messages API form fields, with segments and encoding', () => {
    expect(buildPayload(text('Hi there'), TO, SMS)).toEqual({
      ok: true,
      payload: { To: TO, From: '+14155550100', Body: 'Hi there' },
      details: { encoding: 'GSM-7', segments: 1 },
    });
  });

  test.each(['sticker', 'image', 'carousel', 'flex', 'messages', 'email', 'webhook'] as const)(
    '%s content is refused',
    (type) => {
      expect(refusal(CONTENT[type])).toBe(`${type} content cannot be sent on an SMS channel`);
    },
  );

  test('a Messaging Service replaces From (Twilio picks the sender from its pool)', () => {
    const result = buildPayload(text('Hi'), TO, { ...SMS, messaging_service_sid: `MG${'0'.repeat(32)}` });
    expect(result.ok && result.payload).toEqual({ To: TO, MessagingServiceSid: `MG${'0'.repeat(32)}`, Body: 'Hi' });
  });

  test('a channel with no sender configured (sandbox only) sends none', () => {
    const result = buildPayload(text('Hi'), TO, { id: 'sms', type: 'twilio_sms' });
    expect(result.ok && result.payload).toEqual({ To: TO, Body: 'Hi' });
  });

  test('StatusCallback points at our status webhook when the public URL is known', () => {
    const result = buildPayload(text('Hi'), TO, SMS, { publicUrl: 'https://tidings.example/' });
    expect(result.ok && result.payload).toMatchObject({
      StatusCallback: 'https://tidings.example/webhooks/twilio/sms-main/status',
    });
    const without = buildPayload(text('Hi'), TO, SMS, { publicUrl: null });
    expect(without.ok && without.payload).not.toHaveProperty('StatusCallback');
  });

  test('media_urls go out as a repeated MediaUrl field; media alone needs no Body', () => {
    const media = ['https://cdn.example/a.jpg', 'https://cdn.example/b.png'];
    expect(buildPayload(text('Look', { media_urls: media }), TO, SMS)).toMatchObject({
      ok: true,
      payload: { Body: 'Look', MediaUrl: media },
    });
    const alone = buildPayload(text('', { media_urls: media }), TO, SMS);
    expect(alone.ok && alone.payload).toEqual({ To: TO, From: '+14155550100', MediaUrl: media });
  });

  test.each([
    ['a body of 1,600 characters', text('a'.repeat(1600)), null],
    ['a body of 1,601 characters', text('a'.repeat(1601)), 'SMS body is 1,601 characters; at most 1,600'],
    ['1,600 emoji count as 1,600 characters', text('🤖'.repeat(1600)), null],
    [
      '10 media_urls',
      text('x', { media_urls: Array.from({ length: 10 }, (_, i) => `https://cdn.example/${i}.jpg`) }),
      null,
    ],
    [
      '11 media_urls',
      text('x', { media_urls: Array.from({ length: 11 }, (_, i) => `https://cdn.example/${i}.jpg`) }),
      'an MMS carries at most 10 media_urls; this one has 11',
    ],
    [
      'a media url that is not http(s)',
      text('x', { media_urls: ['file:///etc/passwd'] }),
      'media_urls[0] must be an http:// or https:// URL',
    ],
    ['an empty body without media', text(''), 'SMS body is empty and there are no media_urls'],
  ])('%s', (_name, content, error) => {
    expect(refusal(content)).toBe(error);
  });

  test.each([
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['€'.repeat(80), 'GSM-7', 1],
    ['€'.repeat(81), 'GSM-7', 2],
    ['Hi 🤖', 'UCS-2', 1],
    ['🤖'.repeat(36), 'UCS-2', 2],
  ])('details record the segments of %j', (body, encoding, segments) => {
    expect(buildPayload(text(body), TO, SMS)).toMatchObject({ ok: true, details: { encoding, segments } });
  });

  test('quick replies are LINE-only: dropped, and said so in details', () => {
    const result = buildPayload(text('Choose', { quick_replies: [{ label: 'Yes', text: 'YES' }] }), TO, SMS);
    expect(result).toMatchObject({ ok: true, payload: { Body: 'Choose' }, details: { ignored: ['quick_replies'] } });
  });
});
