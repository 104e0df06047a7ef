import { createHmac } from 'node:crypto';
import { expect, test } from 'vitest';
import { twilioSignature, validTwilioSignature } from '../../src/channels/twilio-sms/signature.ts';

const hmac = (data: string) => createHmac('sha1', '12345').update(data).digest('base64');

test('the signature is HMAC-SHA1 of the URL and every name+value in name order, repeated values sorted', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = new URLSearchParams([
    ['To', '+18005551212'],
    ['From', '+12349013030'],
    ['Digits', '1234'],
    ['CallSid', 'CA1234567890ABCDE'],
    ['Caller', '+12349013030'],
  ]);
  expect(twilioSignature('12345', url, params)).toBe(
    hmac(`${url}CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212`),
  );
  const media = new URLSearchParams([
    ['MediaUrl', 'https://b'],
    ['Body', 'hi'],
    ['MediaUrl', 'https://a'],
  ]);
  expect(twilioSignature('12345', url, media)).toBe(hmac(`${url}BodyhiMediaUrlhttps://aMediaUrlhttps://b`));
  expect(validTwilioSignature('12345', url, params, twilioSignature('12345', url, params))).toBe(true);
  expect(validTwilioSignature('12345', url, params, twilioSignature('54321', url, params))).toBe(false);
  expect(validTwilioSignature('12345', url, params, 'short')).toBe(false);
  expect(validTwilioSignature('12345', `${url}&x=1`, params, twilioSignature('12345', url, params))).toBe(false);
});
