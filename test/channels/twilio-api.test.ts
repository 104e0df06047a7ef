import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMessage, type TwilioApiConfig } from '../../src/channels/twilio-sms/api.ts';
import { LOOPBACK_ALLOWED } from '../fakes/loopback-server.ts';
import { FakeTwilio } from '../fakes/twilio.ts';

const fake = new FakeTwilio();
let config: TwilioApiConfig;
beforeAll(async () => {
  config = {
    baseUrl: await fake.start(),
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    destinations: LOOPBACK_ALLOWED,
  };
});
afterAll(() => fake.stop());

test('a message goes as a form with Basic auth; the fake records both', async () => {
  const sent = await createMessage(config, {
    To: '+14155550123',
    From: '+14155550100',
    Body: 'Hi',
    MediaUrl: ['https://cdn.example/a.jpg', 'https://cdn.example/b.jpg'],
  });
  expect(sent).toMatchObject({ kind: 'sent', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
  const [request] = fake.requests;
  expect(request!.headers.authorization).toBe(
    `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
  );
  expect(request!.params.getAll('MediaUrl')).toEqual(['https://cdn.example/a.jpg', 'https://cdn.example/b.jpg']);
  expect(request!.params.get('Body')).toBe('Hi');
});

test("a wrong auth token is Twilio's 20003, a rejection; a malformed number is 21211; a landline is 21614", async () => {
  expect(
    await createMessage({ ...config, authToken: 'wrong' }, { To: '+14155550123', From: '+14155550100', Body: 'Hi' }),
  ).toEqual({ kind: 'rejected', code: '20003', message: 'Authenticate' });
  expect(await createMessage(config, { To: '555-0123', From: '+14155550100', Body: 'Hi' })).toMatchObject({
    kind: 'rejected',
    code: '21211',
  });
  fake.landlines.add('+14155550124');
  expect(await createMessage(config, { To: '+14155550124', From: '+14155550100', Body: 'Hi' })).toMatchObject({
    kind: 'rejected',
    code: '21614',
  });
  expect(fake.created.map((m) => m.to)).toEqual(['+14155550123']);
});
