import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { ManualClock } from '../../src/engine/clock.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { FakeTwilio } from '../fakes/twilio.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

describeEachStore('campaign messages sent through Twilio', (kind) => {
  const fake = new FakeTwilio();
  let server: TestServer;
  let clock: ManualClock;
  let worker: CampaignWorker;
  let n = 0;
  beforeAll(async () => {
    const url = await fake.start();
    ({ server, clock, worker } = await startServerWithWorker(kind, {
      subscription_groups: [{ id: 'sms-marketing', name: 'SMS marketing', channel_type: 'sms' }],
      channels: [
        {
          id: 'sms-live',
          type: 'twilio_sms',
          account_sid: fake.accountSid,
          auth_token: fake.authToken,
          from: '+14155550100',
          subscription_group: 'sms-marketing',
          api_base_url: url,
        },
      ],
      campaigns: [
        {
          id: 'promo',
          name: 'Promo',
          status: 'active',
          trigger: { type: 'api' },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'sms-live', default: { type: 'text', text: 'Code {{ api.code }}' } },
        },
      ],
    }));
  });
  afterAll(async () => {
    await server.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  /** A subscribed user with a phone, sent the promo with this code now. */
  async function promo(code: string): Promise<{ id: string; phone: string }> {
    n += 1;
    const phone = `+1415555${String(1000 + n)}`;
    const externalId = `sms-user-${n}`;
    await server.call('POST', '/users/track', {
      attributes: [
        {
          external_id: externalId,
          phone,
          subscription_groups: [{ subscription_group_id: 'sms-marketing', subscription_state: 'subscribed' }],
        },
      ],
    });
    expect(
      (
        await server.call('POST', '/campaigns/trigger/send', {
          campaign_id: 'promo',
          trigger_properties: { code },
          recipients: [{ external_user_id: externalId }],
        })
      ).status,
    ).toBe(201);
    return { id: (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id, phone };
  }
  const messageOf = async (id: string) =>
    (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=promo`)).body.messages[0];
  const outcomes = async (id: string) =>
    (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=promo`)).body.timeline
      .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome))
      .reverse();

  test('a message is created with Basic auth and form fields, and recorded sent with its SID', async () => {
    const { id, phone } = await promo('A1');
    await worker.runDue();
    const created = fake.created.filter((m) => m.to === phone);
    expect(created.map((m) => [m.from, m.body])).toEqual([['+14155550100', 'Code A1']]);
    expect(await messageOf(id)).toMatchObject({
      state: 'sent',
      provider_message_id: created[0]!.sid,
      encoding: 'GSM-7',
      segments: 1,
    });
    expect(await outcomes(id)).toEqual(['triggered', 'scheduled', 'sent']);
  });

  test('21610 (the recipient replied STOP) is provider_rejected and unsubscribes the user from the group', async () => {
    fake.optedOut.add(`+1415555${String(1000 + n + 1)}`); // the next user's number
    const { id, phone } = await promo('B2');
    await worker.runDue();
    expect(fake.created.filter((m) => m.to === phone)).toEqual([]);
    expect(await messageOf(id)).toMatchObject({
      state: 'failed',
      error_code: '21610',
      error_message: 'Attempt to send to unsubscribed recipient',
    });
    expect(await outcomes(id)).toEqual(['triggered', 'scheduled', 'failed:provider_rejected']);
    const profile = (await server.call('GET', `/v1/users/${id}`)).body;
    expect(profile.subscription_groups).toEqual([
      { id: 'sms-marketing', state: 'unsubscribed', changed_at: expect.any(String) },
    ]);
  });

  test('a message Twilio created but whose answer was lost is found, not sent twice', async () => {
    fake.loseAnswers = 1;
    const { id, phone } = await promo('C3');
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'queued', attempts: 1, error_code: '20500' });
    clock.advance(2_000);
    await worker.runDue();
    const created = fake.created.filter((m) => m.to === phone);
    expect(created).toHaveLength(1);
    expect(await messageOf(id)).toMatchObject({ state: 'sent', attempts: 2, provider_message_id: created[0]!.sid });
    expect(await outcomes(id)).toEqual(['triggered', 'scheduled', 'sent']);
  });

  test('a 429 is retried without looking: Twilio created nothing', async () => {
    fake.failNext(1, 429);
    const { id, phone } = await promo('D4');
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'queued', error_code: '20429' });
    clock.advance(2_000);
    await worker.runDue();
    expect(fake.created.filter((m) => m.to === phone)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(await messageOf(id)).toMatchObject({ state: 'sent' });
  });

  test('with a public URL, sends carry a StatusCallback; signed callbacks move the message to delivered, or failed', async () => {
    expect((await server.call('PATCH', '/v1/settings', { public_url: server.url })).status).toBe(200);
    const callback = async (
      sid: string,
      status: string,
      extra: Record<string, string> = {},
      token = fake.authToken,
    ) => {
      const url = `${server.url}/webhooks/twilio/sms-live/status`;
      const params: Record<string, string> = {
        MessageSid: sid,
        MessageStatus: status,
        AccountSid: fake.accountSid,
        ...extra,
      };
      const signature = createHmac('sha1', token)
        .update(
          url +
            Object.keys(params)
              .sort()
              .map((k) => k + params[k])
              .join(''),
        )
        .digest('base64');
      return (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: new URLSearchParams(params),
        })
      ).status;
    };
    const good = await promo('E5');
    const bad = await promo('F6');
    await worker.runDue();
    const goodSms = fake.created.filter((m) => m.to === good.phone)[0]!;
    const badSms = fake.created.filter((m) => m.to === bad.phone)[0]!;
    expect(goodSms.status_callback).toBe(`${server.url}/webhooks/twilio/sms-live/status`);

    expect(await callback(goodSms.sid, 'delivered', {}, 'wrong-token')).toBe(401);
    expect(await messageOf(good.id)).toMatchObject({ state: 'sent' });
    expect(await callback(goodSms.sid, 'sent')).toBe(204);
    expect(await callback(goodSms.sid, 'delivered')).toBe(204);
    expect(await callback(goodSms.sid, 'delivered')).toBe(204);
    expect(await messageOf(good.id)).toMatchObject({ state: 'delivered' });
    expect(await outcomes(good.id)).toEqual(['triggered', 'scheduled', 'sent', 'delivered']);

    expect(await callback(badSms.sid, 'undelivered', { ErrorCode: '30003' })).toBe(204);
    expect(await messageOf(bad.id)).toMatchObject({ state: 'failed', error_code: '30003' });
    expect(await outcomes(bad.id)).toEqual(['triggered', 'scheduled', 'sent', 'failed:provider_rejected']);
    expect(await callback('SMunknown', 'delivered')).toBe(204);
    await server.call('PATCH', '/v1/settings', { public_url: null });
  });
});
