import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

/**
 * How a message picks its channel and content (spec messages-and-channels.md, "The message of a
 * campaign"): `last_interacted`, `by_channel`, the fallback branch after `no_channel`, and the
 * limits checked again on the rendered content. Every channel here delivers into the sandbox.
 */
const LINE_SECRET = 'line-secret';
const TWILIO_TOKEN = 'twilio-token';
const LINE_USER = `U${'c'.repeat(32)}`;
const PHONE = '+14155550199';

describeEachStore('message channel and content choice', (kind) => {
  let server: TestServer;
  let worker: CampaignWorker;
  beforeAll(async () => {
    ({ server, worker } = await startServerWithWorker(kind, {
      subscription_groups: [{ id: 'sms-g', name: 'SMS', channel_type: 'sms' }],
      channels: [
        { id: 'line-in', type: 'line', channel_secret: LINE_SECRET, sandbox: true },
        {
          id: 'sms-in',
          type: 'twilio_sms',
          auth_token: TWILIO_TOKEN,
          from: '+14155550100',
          subscription_group: 'sms-g',
          sandbox: true,
        },
        { id: 'ops', type: 'sandbox' },
      ],
      campaigns: [
        {
          id: 'ping',
          name: 'Ping',
          status: 'active',
          trigger: { type: 'custom_event', event: 'ping' },
          reeligibility: { after_seconds: 0 },
          message: {
            channel: 'last_interacted',
            default: { type: 'text', text: 'Hello {{ user.external_id }}' },
            by_channel: { 'line-in': { type: 'sticker', package_id: '446', sticker_id: '1988' } },
            fallback: { channel: 'ops', default: { type: 'text', text: 'fallback for {{ user.external_id }}' } },
          },
        },
        {
          id: 'echo',
          name: 'Echo',
          status: 'active',
          trigger: { type: 'custom_event', event: 'echo' },
          reeligibility: { after_seconds: 0 },
          message: {
            channel: 'sms-in',
            default: { type: 'text', text: '{% for i in (1..event.properties.n) %}x{% endfor %}' },
          },
        },
        {
          id: 'echo-ops',
          name: 'Echo to ops',
          status: 'active',
          trigger: { type: 'custom_event', event: 'echo_ops' },
          reeligibility: { after_seconds: 0 },
          message: {
            channel: 'ops',
            default: { type: 'text', text: '{% for i in (1..event.properties.n) %}y{% endfor %}' },
          },
        },
      ],
    }));
    const track = await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 'u-line', line_id: LINE_USER },
        {
          external_id: 'u-sms',
          phone: PHONE,
          subscription_groups: [{ subscription_group_id: 'sms-g', subscription_state: 'subscribed' }],
        },
        { external_id: 'u-none', phone: '+14155550198' },
      ],
    });
    expect(track.status).toBe(201);
  });
  afterAll(() => server.close());

  const sandbox = async (to: string) =>
    (await server.call('GET', `/v1/sandbox/messages?to=${encodeURIComponent(to)}`)).body.messages.map(
      (m: { channel_id: string; payload: unknown }) => ({ channel: m.channel_id, payload: m.payload }),
    );
  const timeline = async (externalId: string, campaign: string) => {
    const user = (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0];
    return (
      await server.call('GET', `/v1/users/${user.id}/timeline?campaign_id=${campaign}`)
    ).body.timeline.reverse() as Array<{ outcome: string; reason?: string; message?: string }>;
  };
  const event = (externalId: string, name: string, properties: Record<string, unknown> = {}) => ({
    external_id: externalId,
    name,
    time: '2026-03-06T08:00:00Z',
    properties,
  });

  test('last_interacted takes the channel of the latest inbound message and its by_channel content; no inbound message is no_channel, then the fallback', async () => {
    const lineBody = JSON.stringify({
      events: [
        {
          type: 'message',
          mode: 'active',
          timestamp: 1,
          source: { type: 'user', userId: LINE_USER },
          webhookEventId: '01CHOICE0000000000000000001',
          replyToken: 'r',
          message: { id: 'm1', type: 'text', text: 'hi' },
        },
      ],
    });
    const line = await fetch(`${server.url}/webhooks/line/line-in`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-line-signature': createHmac('sha256', LINE_SECRET).update(lineBody).digest('base64'),
      },
      body: lineBody,
    });
    expect(line.status).toBe(200);
    const url = `${server.url}/webhooks/twilio/sms-in`;
    const params = { MessageSid: `SM${'9'.repeat(32)}`, From: PHONE, To: '+14155550100', Body: 'hello' };
    const signature = createHmac('sha1', TWILIO_TOKEN)
      .update(
        url +
          Object.keys(params)
            .sort()
            .map((k) => k + params[k as keyof typeof params])
            .join(''),
      )
      .digest('base64');
    const sms = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params),
    });
    expect(sms.status).toBe(200);

    expect(
      (
        await server.call('POST', '/users/track', {
          events: ['u-line', 'u-sms', 'u-none'].map((id) => event(id, 'ping')),
        })
      ).status,
    ).toBe(201);
    await worker.runDue();

    expect(await sandbox(LINE_USER)).toEqual([
      {
        channel: 'line-in',
        payload: { to: LINE_USER, messages: [{ type: 'sticker', packageId: '446', stickerId: '1988' }] },
      },
    ]);
    expect(await sandbox(PHONE)).toEqual([
      { channel: 'sms-in', payload: expect.objectContaining({ To: PHONE, Body: 'Hello u-sms' }) },
    ]);
    expect((await timeline('u-none', 'ping')).map((t) => [t.outcome, t.reason ?? null])).toEqual([
      ['triggered', null],
      ['scheduled', null],
      ['suppressed', 'no_channel'],
      ['sent', null],
    ]);
    expect((await sandbox('u-none')).map((m: { payload: unknown }) => m.payload)).toEqual([
      expect.objectContaining({ content: { type: 'text', text: 'fallback for u-none' } }),
    ]);
  });

  test('rendered content over a limit is suppressed as template_error naming the limit: SMS 1,600 characters, and 2,000 for a default text', async () => {
    expect(
      (
        await server.call('POST', '/users/track', {
          events: [event('u-sms', 'echo', { n: 1601 }), event('u-sms', 'echo_ops', { n: 2001 })],
        })
      ).status,
    ).toBe(201);
    await worker.runDue();
    const [sms] = (await timeline('u-sms', 'echo')).filter((t) => t.outcome === 'suppressed');
    expect(sms).toMatchObject({
      reason: 'template_error',
      channel: 'sms-in',
      message: expect.stringMatching(/1,?600/),
    });
    const [ops] = (await timeline('u-sms', 'echo-ops')).filter((t) => t.outcome === 'suppressed');
    expect(ops).toMatchObject({
      reason: 'template_error',
      channel: 'ops',
      message: 'the default text is 2,001 characters; it holds at most 2,000',
      field: 'text',
    });
  });

  test('a static default text over 2,000 characters is refused when saved, naming the field and the limit', async () => {
    const refused = await server.call('PUT', '/v1/campaigns/too-long', {
      id: 'too-long',
      name: 'Too long',
      status: 'active',
      trigger: { type: 'custom_event', event: 'x' },
      message: { channel: 'ops', default: { type: 'text', text: 'z'.repeat(2001) } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: 'campaigns[too-long].message.default.text', message: expect.stringContaining('at most 2,000') },
    ]);
  });
});
