import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

const AUTH_TOKEN = 'twilio-auth-token';
const SHORT_CODE = '+14155550100';

/** Twilio's published algorithm, written out again here: URL, then each name and value in name order. */
function twilioSign(url: string, params: Record<string, string>, token = AUTH_TOKEN): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', token).update(data).digest('base64');
}

let sids = 0;

describeEachStore('Twilio incoming SMS webhook', (kind) => {
  let server: TestServer;
  let worker: CampaignWorker;
  beforeAll(async () => {
    ({ server, worker } = await startServerWithWorker(kind, {
      subscription_groups: [
        {
          id: 'sms-marketing',
          name: 'SMS marketing',
          channel_type: 'sms',
          help_reply: 'Shop: reply STOP to stop.',
          keyword_categories: [{ category: 'promo', keywords: ['DEALS'], reply: 'Deals are coming your way!' }],
          opt_out_keywords: ['ARRET'],
          opt_in_keywords: ['ALTA'],
          help_keywords: ['AIDE'],
        },
      ],
      channels: [
        {
          id: 'sms-main',
          type: 'twilio_sms',
          auth_token: AUTH_TOKEN,
          from: SHORT_CODE,
          subscription_group: 'sms-marketing',
        },
        { id: 'ops', type: 'sandbox' },
      ],
      campaigns: [
        {
          id: 'price',
          name: 'Price answer',
          status: 'active',
          trigger: {
            type: 'custom_event',
            event: 'sms_response_sms-marketing_custom',
            filters: [{ property: 'message_body', op: 'eq', value: 'price' }],
          },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'ops', default: { type: 'text', text: 'price asked' } },
        },
        {
          id: 'unknown-sms',
          name: 'Automated',
          status: 'active',
          trigger: { type: 'inbound_message', channel_type: 'sms', unrecognized: true },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'ops', default: { type: 'text', text: 'unrecognized: {{ inbound.text }}' } },
        },
      ],
    }));
  });
  afterAll(() => server.close());

  async function sms(
    from: string,
    body: string,
    options: { signature?: string | null; sid?: string } = {},
  ): Promise<{ status: number; text: string }> {
    const params = {
      MessageSid: options.sid ?? `SM${String(++sids).padStart(32, '0')}`,
      AccountSid: `AC${'0'.repeat(32)}`,
      From: from,
      To: SHORT_CODE,
      Body: body,
      NumMedia: '0',
    };
    const url = `${server.url}/webhooks/twilio/sms-main`;
    const signature = options.signature === undefined ? twilioSign(url, params) : options.signature;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      },
      body: new URLSearchParams(params),
    });
    return { status: response.status, text: await response.text() };
  }
  const userByPhone = async (phone: string) =>
    (await server.call('GET', `/v1/users?phone=${encodeURIComponent(phone)}`)).body.users[0];
  const state = async (phone: string) =>
    (await userByPhone(phone))?.subscription_groups?.find((g: { id: string }) => g.id === 'sms-marketing')?.state ??
    null;
  const ops = async (to: string) =>
    (await server.call('GET', `/v1/sandbox/messages?to=${to}`)).body.messages
      .map((m: { payload: { content: { text: string } } }) => m.payload.content.text)
      .reverse();

  test('a missing or wrong signature is 401 and records nothing', async () => {
    expect((await sms('+14155551001', 'hi', { signature: null })).status).toBe(401);
    expect((await sms('+14155551001', 'hi', { signature: twilioSign('http://elsewhere/', {}) })).status).toBe(401);
    expect(await userByPhone('+14155551001')).toBeUndefined();
  });

  test('STOP, START and HELP change the subscription and answer in TwiML; an unknown number gets a profile', async () => {
    const phone = '+14155551002';
    const stop = await sms(phone, ' stop ');
    expect(stop.status).toBe(200);
    expect(stop.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>You are unsubscribed and will receive no more messages. Reply START to subscribe again.</Message></Response>',
    );
    const profile = await userByPhone(phone);
    expect(profile).toMatchObject({ phone });
    expect(
      (await server.call('GET', `/v1/users?alias_label=phone&alias_name=${encodeURIComponent(phone)}`)).body.users.map(
        (u: { id: string }) => u.id,
      ),
    ).toEqual([profile.id]);
    expect(await state(phone)).toBe('unsubscribed');
    expect((await sms(phone, 'Start')).text).toContain('You are subscribed again.');
    expect(await state(phone)).toBe('subscribed');
    expect((await sms(phone, 'HELP')).text).toContain('<Message>Shop: reply STOP to stop.</Message>');
    const logged = (await server.call('GET', `/v1/messages?user_id=${profile.id}`)).body.messages;
    expect(logged.map((m: { keyword: string; state: string }) => `${m.keyword}:${m.state}`).sort()).toEqual([
      'help:sent',
      'opt_in:sent',
      'opt_out:sent',
    ]);
  });

  test("the group's own words for opt-out, opt-in and help act as STOP, START and HELP", async () => {
    const phone = '+14155551012';
    expect((await sms(phone, 'Alta')).text).toContain('<Message>You are subscribed again.');
    expect(await state(phone)).toBe('subscribed');
    expect((await sms(phone, 'arret')).text).toContain(
      '<Message>You are unsubscribed and will receive no more messages.',
    );
    expect(await state(phone)).toBe('unsubscribed');
    expect((await sms(phone, 'AIDE')).text).toContain('<Message>Shop: reply STOP to stop.</Message>');
    const profile = await userByPhone(phone);
    const logged = (await server.call('GET', `/v1/messages?user_id=${profile.id}`)).body.messages;
    expect(logged.map((m: { keyword: string }) => m.keyword).sort()).toEqual(['help', 'opt_in', 'opt_out']);
  });

  test('a custom keyword answers subscribers with its reply; free text records sms_response_{group}_custom and fires campaigns; “unrecognized” skips keywords', async () => {
    const phone = '+14155551003';
    // Not subscribed yet (a new number): a custom category's auto-reply is for subscribers only.
    expect((await sms(phone, 'deals')).text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect((await sms(phone, 'START')).status).toBe(200);
    expect((await sms(phone, 'deals')).text).toContain('<Message>Deals are coming your way!</Message>');
    const price = await sms(phone, 'PRICE');
    expect(price.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    await worker.runDue();
    const profile = await userByPhone(phone);
    expect(profile.last_interacted_channel).toBe('sms-main');
    expect((await ops(profile.id)).sort()).toEqual(['price asked', 'unrecognized: PRICE']);
  });

  test('a repeated MessageSid is recorded once', async () => {
    const phone = '+14155551004';
    await sms(phone, 'hello there', { sid: 'SMrepeat000000000000000000000000001' });
    await sms(phone, 'hello there', { sid: 'SMrepeat000000000000000000000000001' });
    await worker.runDue();
    const profile = await userByPhone(phone);
    expect(await ops(profile.id)).toEqual(['unrecognized: hello there']);
  });

  test('a From that is not a phone number is 400 naming From, and records nothing', async () => {
    const answered = await sms('garbage', 'hello');
    expect(answered.status).toBe(400);
    expect(JSON.parse(answered.text).errors).toEqual([
      { field: 'From', message: expect.stringContaining('is not a phone number') },
    ]);
    expect((await server.call('GET', '/v1/users?alias_label=phone&alias_name=garbage')).body.users).toEqual([]);
  });
});
