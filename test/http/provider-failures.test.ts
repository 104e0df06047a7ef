import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ManualClock } from '../../src/engine/clock.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { FakeLine } from '../fakes/line.ts';
import { LoopbackServer } from '../fakes/loopback-server.ts';
import { SmtpSink } from '../fakes/smtp.ts';
import { WebhookReceiver } from '../fakes/webhook-receiver.ts';
import { FakeTwilio } from '../fakes/twilio.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

/**
 * Every kind of provider failure, injected on every channel through the real dispatcher: a
 * connection refused, a provider that answers too late, 429 and 5xx are transient (queued again,
 * then sent exactly once when the provider is back); permanent refusals fail the message at once
 * as provider_rejected with the provider's code.
 */
const TIMEOUT_MS = 200;

describeEachStore('provider failures, every kind on every channel', (kind) => {
  const line = new FakeLine({ token: 'line-token' });
  const twilio = new FakeTwilio();
  const smtp = new SmtpSink();
  const hook = new WebhookReceiver();
  let server: TestServer;
  let clock: ManualClock;
  let worker: CampaignWorker;
  let closedUrl: string;
  let urls: { line: string; twilio: string; smtp: number; hook: string };
  let n = 0;
  const previousTimeout = process.env.TIDINGS_PROVIDER_TIMEOUT_MS;

  const channels = (down: boolean) => [
    { id: 'line', type: 'line', channel_access_token: 'line-token', api_base_url: down ? closedUrl : urls.line },
    {
      id: 'sms',
      type: 'twilio_sms',
      account_sid: twilio.accountSid,
      auth_token: twilio.authToken,
      from: '+14155550100',
      subscription_group: 'sms-g',
      api_base_url: down ? closedUrl : urls.twilio,
    },
    {
      id: 'mail',
      type: 'smtp',
      host: '127.0.0.1',
      port: down ? Number(new URL(closedUrl).port) : urls.smtp,
      from: 'Shop <shop@example.com>',
    },
    { id: 'hook', type: 'webhook', url: `${urls.hook}/hook` },
  ];
  const apply = async (down: boolean) =>
    expect((await server.call('POST', '/v1/apply', { channels: channels(down) })).status).toBe(200);

  beforeAll(async () => {
    process.env.TIDINGS_PROVIDER_TIMEOUT_MS = String(TIMEOUT_MS);
    const gone = new LoopbackServer(async () => {});
    closedUrl = await gone.start();
    await gone.stop();
    urls = {
      line: await line.start(),
      twilio: await twilio.start(),
      smtp: await smtp.start(),
      hook: await hook.start(),
    };
    const content = (channel: string) =>
      channel === 'mail'
        ? { type: 'email', subject: 'Hi', text: 'Hello {{ api.n }}' }
        : channel === 'hook'
          ? { type: 'webhook', body: '{"n": "{{ api.n }}"}' }
          : { type: 'text', text: 'Hello {{ api.n }}' };
    ({ server, clock, worker } = await startServerWithWorker(kind, {
      subscription_groups: [{ id: 'sms-g', name: 'SMS', channel_type: 'sms' }],
      channels: channels(false),
      campaigns: ['line', 'sms', 'mail', 'hook'].map((channel) => ({
        id: `to-${channel}`,
        name: channel,
        status: 'active',
        trigger: { type: 'api' },
        reeligibility: { after_seconds: 0 },
        message: { channel, default: content(channel) },
      })),
    }));
  });
  afterAll(async () => {
    if (previousTimeout === undefined) delete process.env.TIDINGS_PROVIDER_TIMEOUT_MS;
    else process.env.TIDINGS_PROVIDER_TIMEOUT_MS = previousTimeout;
    await server.close();
    await Promise.all([line.stop(), twilio.stop(), smtp.stop(), hook.stop()]);
  });

  /** A reachable user sent the campaign for `channel` now; returns the user id and its address there. */
  async function send(channel: string): Promise<{ id: string; address: string }> {
    n += 1;
    const address = {
      line: `U${String(n).padStart(32, 'f')}`,
      sms: `+1415556${String(1000 + n)}`,
      mail: `user${n}@example.com`,
      hook: `hook-${n}`,
    }[channel]!;
    const attributes = {
      external_id: `${kind}-${channel}-${n}`,
      line_id: channel === 'line' ? address : undefined,
      phone: channel === 'sms' ? address : undefined,
      email: channel === 'mail' ? address : undefined,
      subscription_groups:
        channel === 'sms' ? [{ subscription_group_id: 'sms-g', subscription_state: 'subscribed' }] : undefined,
    };
    expect(
      (await server.call('POST', '/users/track', { attributes: [JSON.parse(JSON.stringify(attributes))] })).status,
    ).toBe(201);
    expect(
      (
        await server.call('POST', '/campaigns/trigger/send', {
          campaign_id: `to-${channel}`,
          trigger_properties: { n },
          recipients: [{ external_user_id: attributes.external_id }],
        })
      ).status,
    ).toBe(201);
    const id = (await server.call('GET', `/v1/users?external_id=${attributes.external_id}`)).body.users[0].id;
    return { id, address };
  }
  const message = async (id: string) => (await server.call('GET', `/v1/messages?user_id=${id}`)).body.messages[0];
  /** How many times the provider accepted a message for this address. */
  const accepted = (channel: string, address: string, messageId: string): number =>
    channel === 'line'
      ? line.delivered().filter((d) => d.to === address).length
      : channel === 'sms'
        ? twilio.created.filter((m) => m.to === address).length
        : channel === 'mail'
          ? smtp.received.filter((m) => m.to.includes(address)).length
          : hook.accepted(messageId).length;

  const transient: Array<[string, string, () => void, () => void, string]> = [
    ['line', '429', () => line.failNext(1, { status: 429 }), () => {}, 'http_429'],
    ['line', '500', () => line.failNext(1, { status: 500 }), () => {}, 'http_500'],
    ['line', 'a timeout', () => (line.delayMs = 3 * TIMEOUT_MS), () => (line.delayMs = 0), 'timeout'],
    ['sms', '429', () => twilio.failNext(1, 429), () => {}, '20429'],
    ['sms', '503', () => twilio.failNext(1, 503, 20503, 'Service Unavailable'), () => {}, '20503'],
    ['sms', 'a timeout', () => (twilio.delayMs = 3 * TIMEOUT_MS), () => (twilio.delayMs = 0), 'timeout'],
    ['mail', '451', () => smtp.refuseNext(1, 451), () => {}, 'smtp_451'],
    ['mail', 'a timeout', () => (smtp.greetingDelayMs = 3 * TIMEOUT_MS), () => (smtp.greetingDelayMs = 0), 'timeout'],
    ['hook', '429', () => hook.replies.push({ status: 429 }), () => {}, 'http_429'],
    ['hook', '502', () => hook.replies.push({ status: 502 }), () => {}, 'http_502'],
    ['hook', 'a timeout', () => hook.replies.push({ status: 200, delayMs: 3 * TIMEOUT_MS }), () => {}, 'timeout'],
    // A webhook's URL is part of its rendered request, so the receiver drops the connection instead of moving.
    ['hook', 'a dropped connection', () => hook.replies.push({ status: 0 }), () => {}, 'network'],
  ];
  test.each(transient)(
    '%s: %s is queued again with backoff, then sent exactly once',
    async (channel, _what, inject, heal, code) => {
      inject();
      const { id, address } = await send(channel);
      await worker.runDue();
      const first = await message(id);
      expect(first).toMatchObject({ state: 'queued', attempts: 1, error_code: code });
      const wait = Date.parse(first.next_attempt_at ?? first.updated_at) - clock.now();
      heal();
      clock.advance(1_300); // the first retry comes after 1 s ± 20 %
      await worker.runDue();
      expect(await message(id)).toMatchObject({ state: 'sent', attempts: 2 });
      expect(accepted(channel, address, first.id)).toBe(1);
      expect(wait).toBeLessThanOrEqual(1_200);
    },
  );

  test.each(['line', 'sms', 'mail'])(
    '%s: a connection refused is queued again as a network failure, then sent once the provider is back',
    async (channel) => {
      await apply(true);
      const { id, address } = await send(channel);
      await worker.runDue();
      const first = await message(id);
      expect(first).toMatchObject({ state: 'queued', attempts: 1, error_code: 'network' });
      await apply(false);
      clock.advance(1_300);
      await worker.runDue();
      expect(await message(id)).toMatchObject({ state: 'sent', attempts: 2 });
      expect(accepted(channel, address, first.id)).toBe(1);
    },
  );

  const permanent: Array<[string, string, () => void, string]> = [
    [
      'line',
      '400',
      () =>
        line.failNext(1, {
          status: 400,
          body: { message: 'The request body has 1 error(s)', details: [{ message: 'invalid', property: 'to' }] },
        }),
      'http_400',
    ],
    [
      'sms',
      '21211 (invalid number)',
      () => twilio.failNext(1, 400, 21211, "The 'To' number is not a valid phone number."),
      '21211',
    ],
    [
      'sms',
      '21614 (not a mobile)',
      () => twilio.failNext(1, 400, 21614, "'To' number is not a valid mobile number"),
      '21614',
    ],
    ['mail', '550', () => smtp.refuseNext(1, 550), 'smtp_550'],
    ['hook', '410', () => hook.replies.push({ status: 410 }), 'http_410'],
  ];
  test.each(permanent)(
    '%s: %s fails the message at once as provider_rejected',
    async (channel, _what, inject, code) => {
      inject();
      const { id, address } = await send(channel);
      await worker.runDue();
      const failed = await message(id);
      expect(failed).toMatchObject({ state: 'failed', attempts: 1, error_code: code });
      const timeline = (await server.call('GET', `/v1/users/${id}/timeline`)).body.timeline.map(
        (t: { outcome: string; reason: string | null }) => `${t.outcome}:${t.reason ?? ''}`,
      );
      expect(timeline[0]).toBe('failed:provider_rejected');
      clock.advance(60_000);
      await worker.runDue();
      expect(accepted(channel, address, failed.id)).toBe(0);
    },
  );
});
