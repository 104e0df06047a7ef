import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { twilioSignature } from '../../src/channels/twilio-sms/signature.ts';
import { FakeLine } from '../fakes/line.ts';
import { FakeTwilio } from '../fakes/twilio.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

const SHORT_CODE = '+14155550100';
const LINE_SECRET = 'line-channel-secret';
const LINE_TOKEN = 'line-token';
const lineId = (n: number) => `U${String(n).padStart(32, 'c')}`;
let counter = 0;
const next = () => String(++counter).padStart(16, '0');

/** Every path that changes a subscription fires the `subscription_changed` triggers, once per change. */
describeEachStore('subscription changes fire their triggers', (kind) => {
  const twilio = new FakeTwilio();
  const line = new FakeLine({ token: LINE_TOKEN });
  let server: TestServer;
  let worker: CampaignWorker;
  const watcher = (id: string, group: string) => ({
    id,
    name: `Watch ${group}`,
    status: 'active',
    trigger: { type: 'subscription_changed', subscription_group: group },
    reeligibility: { after_seconds: 0 },
    message: { channel: 'ops', default: { type: 'text', text: 'changed' } },
  });
  beforeAll(async () => {
    const [twilioUrl, lineUrl] = await Promise.all([twilio.start(), line.start()]);
    ({ server, worker } = await startServerWithWorker(kind, {
      subscription_groups: [
        { id: 'news', name: 'News', channel_type: 'email' },
        { id: 'sms-marketing', name: 'SMS marketing', channel_type: 'sms', opt_out_keywords: ['ARRET'] },
        { id: 'line-friends', name: 'LINE friends', channel_type: 'line' },
      ],
      channels: [
        {
          id: 'sms-main',
          type: 'twilio_sms',
          account_sid: twilio.accountSid,
          auth_token: twilio.authToken,
          from: SHORT_CODE,
          subscription_group: 'sms-marketing',
          api_base_url: twilioUrl,
        },
        {
          id: 'line-in',
          type: 'line',
          channel_secret: LINE_SECRET,
          channel_access_token: LINE_TOKEN,
          api_base_url: lineUrl,
          subscription_group: 'line-friends',
        },
        { id: 'ops', type: 'sandbox' },
      ],
      campaigns: [
        watcher('on-news', 'news'),
        watcher('on-sms', 'sms-marketing'),
        watcher('on-line', 'line-friends'),
        {
          id: 'promo',
          name: 'Promo',
          status: 'active',
          trigger: { type: 'api' },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'sms-main', default: { type: 'text', text: 'Sale!' } },
        },
      ],
    }));
  });
  afterAll(async () => {
    await server.close();
    await Promise.all([twilio.stop(), line.stop()]);
  });

  const userId = async (query: string): Promise<string> => {
    const users = (await server.call('GET', `/v1/users?${query}`)).body.users;
    expect(users).toHaveLength(1);
    return users[0].id;
  };
  /** The `subscription_changed` triggers a campaign recorded for this user: the state each one saw. */
  const fired = async (id: string, campaign: string): Promise<string[]> =>
    (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=${campaign}`)).body.timeline
      .filter((t: { outcome: string }) => t.outcome === 'triggered')
      .map((t: { details: { trigger?: string; event?: string } }) => t.details)
      .reverse();
  const changes = async (id: string) =>
    (await server.engine.store.read((r) => r.listEvents(id)))
      .filter((e) => e.name === 'subscription_changed')
      .map((e) => [e.properties.previous_state, e.properties.state, e.properties.cause ?? 'api'])
      .reverse();
  const subscribeNews = (externalId: string, state: string) =>
    server.call('POST', '/users/track', {
      attributes: [
        {
          external_id: externalId,
          subscription_groups: [{ subscription_group_id: 'news', subscription_state: state }],
        },
      ],
    });

  async function sms(from: string, body: string): Promise<string> {
    const params: Record<string, string> = {
      MessageSid: `SM${next().padStart(32, '0')}`,
      AccountSid: twilio.accountSid,
      From: from,
      To: SHORT_CODE,
      Body: body,
      NumMedia: '0',
    };
    const url = `${server.url}/webhooks/twilio/sms-main`;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // The signature's own algorithm is checked against Twilio's description in twilio-webhook.test.ts.
        'x-twilio-signature': twilioSignature(twilio.authToken, url, new URLSearchParams(params)),
      },
      body: new URLSearchParams(params),
    });
    expect(response.status).toBe(200);
    return response.text();
  }

  async function lineEvents(...events: Array<{ type: string; user: string; mode?: string; id?: string }>) {
    const body = JSON.stringify({
      destination: 'U0',
      events: events.map((e) => ({
        type: e.type,
        mode: e.mode ?? 'active',
        timestamp: Date.parse('2026-03-06T08:00:00Z'),
        source: { type: 'user', userId: e.user },
        webhookEventId: e.id ?? `01HSUB${next()}`,
        deliveryContext: { isRedelivery: false },
      })),
    });
    const response = await fetch(`${server.url}/webhooks/line/line-in`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-line-signature': createHmac('sha256', LINE_SECRET).update(body).digest('base64'),
      },
      body,
    });
    expect(response.status).toBe(200);
  }

  test('/users/track: a change fires once; the same state again is no change', async () => {
    await subscribeNews('track-1', 'subscribed');
    await subscribeNews('track-1', 'subscribed');
    await subscribeNews('track-1', 'unsubscribed');
    const id = await userId('external_id=track-1');
    expect(await changes(id)).toEqual([
      [null, 'subscribed', 'api'],
      ['subscribed', 'unsubscribed', 'api'],
    ]);
    expect(await fired(id, 'on-news')).toHaveLength(2);
  });

  test('/subscription/status/set fires once per change, and not for a user already in that state', async () => {
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'set-1' }, { external_id: 'set-2' }] });
    await subscribeNews('set-2', 'subscribed');
    const set = (state: string) =>
      server.call('POST', '/subscription/status/set', {
        subscription_group_id: 'news',
        subscription_state: state,
        external_id: ['set-1', 'set-2'],
      });
    expect((await set('subscribed')).status).toBe(201);
    expect((await set('subscribed')).status).toBe(201);
    const [one, two] = [await userId('external_id=set-1'), await userId('external_id=set-2')];
    expect(await changes(one)).toEqual([[null, 'subscribed', 'api']]);
    expect(await fired(one, 'on-news')).toHaveLength(1);
    expect(await changes(two)).toEqual([[null, 'subscribed', 'api']]);
    expect(await fired(two, 'on-news')).toHaveLength(1);
    expect((await set('unsubscribed')).status).toBe(201);
    expect(await fired(one, 'on-news')).toHaveLength(2);
    expect(await fired(two, 'on-news')).toHaveLength(2);
  });

  test('SMS STOP, START and the group’s own opt-out word each fire once; a repeated START does not', async () => {
    const phone = '+14155552001';
    expect(await sms(phone, 'STOP')).toContain('<Message>');
    const id = await userId(`phone=${encodeURIComponent(phone)}`);
    expect(await fired(id, 'on-sms')).toHaveLength(1);
    await sms(phone, 'START');
    await sms(phone, 'start');
    await sms(phone, 'arret');
    expect(await changes(id)).toEqual([
      [null, 'unsubscribed', 'sms_keyword'],
      ['unsubscribed', 'subscribed', 'sms_keyword'],
      ['subscribed', 'unsubscribed', 'sms_keyword'],
    ]);
    expect(await fired(id, 'on-sms')).toHaveLength(3);
  });

  test('Twilio’s 21610 (the recipient opted out) unsubscribes and fires once', async () => {
    const phone = '+14155552002';
    await server.call('POST', '/users/track', {
      attributes: [
        {
          external_id: 'opted-out',
          phone,
          subscription_groups: [{ subscription_group_id: 'sms-marketing', subscription_state: 'subscribed' }],
        },
      ],
    });
    const id = await userId('external_id=opted-out');
    expect(await fired(id, 'on-sms')).toHaveLength(1);
    twilio.optedOut.add(phone);
    for (let i = 0; i < 2; i++) {
      const sent = await server.call('POST', '/campaigns/trigger/send', {
        campaign_id: 'promo',
        recipients: [{ external_user_id: 'opted-out' }],
      });
      expect(sent.status).toBe(201);
    }
    await worker.runDue();
    expect(await changes(id)).toEqual([
      [null, 'subscribed', 'api'],
      ['subscribed', 'unsubscribed', 'provider_opt_out'],
    ]);
    expect(await fired(id, 'on-sms')).toHaveLength(2);
  });

  test('LINE follow and unfollow each fire once; a redelivery and a standby event fire nothing', async () => {
    const user = lineId(1);
    const followId = `01HSUBFOLLOW${next()}`;
    await lineEvents({ type: 'follow', user, id: followId });
    await lineEvents({ type: 'follow', user, id: followId });
    const id = await userId(`line_id=${user}`);
    expect(await fired(id, 'on-line')).toHaveLength(1);
    await lineEvents({ type: 'unfollow', user }, { type: 'follow', user });
    expect(await fired(id, 'on-line')).toHaveLength(3);
    await lineEvents({ type: 'unfollow', user, mode: 'standby' });
    expect(await changes(id)).toEqual([
      [null, 'subscribed', 'line_follow'],
      ['subscribed', 'unsubscribed', 'line_unfollow'],
      ['unsubscribed', 'subscribed', 'line_follow'],
      ['subscribed', 'unsubscribed', 'line_unfollow'],
    ]);
    expect(await fired(id, 'on-line')).toHaveLength(3);
  });

  test('the LINE follower import fires once for each follower it subscribes, not for those already subscribed', async () => {
    const [already, fresh] = [lineId(2), lineId(3)];
    await lineEvents({ type: 'follow', user: already });
    line.followers = [already, fresh];
    const imported = await server.call('POST', '/v1/channels/line-in/sync_followers');
    expect(imported).toMatchObject({ status: 200, body: { followers: 2, created: 1 } });
    expect((await server.call('POST', '/v1/channels/line-in/sync_followers')).body).toMatchObject({ created: 0 });
    const [a, f] = [await userId(`line_id=${already}`), await userId(`line_id=${fresh}`)];
    expect(await changes(a)).toEqual([[null, 'subscribed', 'line_follow']]);
    expect(await fired(a, 'on-line')).toHaveLength(1);
    expect(await changes(f)).toEqual([[null, 'subscribed', 'line_follower_import']]);
    expect(await fired(f, 'on-line')).toHaveLength(1);
  });

  test('a merge fires nothing: the state it brings moves with the event that announced it', async () => {
    await server.call('POST', '/users/alias/new', {
      user_aliases: [{ alias_name: 'visitor-9', alias_label: 'cookie' }],
    });
    await server.call('POST', '/users/track', {
      attributes: [
        {
          user_alias: { alias_name: 'visitor-9', alias_label: 'cookie' },
          subscription_groups: [{ subscription_group_id: 'news', subscription_state: 'subscribed' }],
        },
      ],
    });
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'merged-1' }] });
    const identified = await server.call('POST', '/users/identify', {
      aliases_to_identify: [
        { external_id: 'merged-1', user_alias: { alias_name: 'visitor-9', alias_label: 'cookie' } },
      ],
    });
    expect(identified.body).toMatchObject({ aliases_processed: 1 });
    const id = await userId('external_id=merged-1');
    expect((await server.call('GET', `/v1/users/${id}`)).body.subscription_groups).toEqual([
      { id: 'news', state: 'subscribed', changed_at: expect.any(String) },
    ]);
    expect(await changes(id)).toEqual([[null, 'subscribed', 'api']]);
    expect(await fired(id, 'on-news')).toHaveLength(1);
  });
});
