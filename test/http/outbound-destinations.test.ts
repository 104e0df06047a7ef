import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApiKey } from '../../src/engine/api-keys.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { FakeLine } from '../fakes/line.ts';
import { SmtpSink } from '../fakes/smtp.ts';
import { FakeTwilio } from '../fakes/twilio.ts';
import { WebhookReceiver } from '../fakes/webhook-receiver.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

/**
 * A resolver for the test: these names resolve to loopback, where the fakes listen, as a name an
 * attacker controls can (DNS rebinding: public when first looked up, loopback when connected).
 */
const LOOPBACK_NAMES = new Set(['rebind.test', 'relay.test', 'mail.rebind.test']);
const testLookup: LookupFunction = (hostname, options, callback) => {
  if (!LOOPBACK_NAMES.has(hostname)) return callback(new Error(`ENOTFOUND ${hostname}`), '', 0);
  if (options.all)
    return (callback as unknown as (e: null, a: unknown[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  callback(null, '127.0.0.1', 4);
};

/**
 * Provider and webhook calls never reach loopback, private or link-local addresses, whatever the
 * URL says or its host resolves to, unless the operator allows it (here: `relay.test` only).
 * The server runs with the private network not allowed, on the real dispatcher, against fakes
 * that listen on loopback and record whatever reaches them.
 */
describeEachStore('outbound calls to private destinations', (kind) => {
  const receiver = new WebhookReceiver();
  const line = new FakeLine({ token: 'line-token' });
  const twilio = new FakeTwilio();
  const smtp = new SmtpSink();
  let server: TestServer;
  let worker: CampaignWorker;
  let triggerKey: string;
  let port: string;
  beforeAll(async () => {
    const receiverUrl = await receiver.start();
    port = new URL(receiverUrl).port;
    const lineUrl = await line.start();
    const twilioUrl = await twilio.start();
    const smtpPort = await smtp.start();
    const campaign = (id: string, channel: string, content: Record<string, unknown>, fallback = false) => ({
      id,
      name: id,
      status: 'active',
      trigger: { type: 'api' },
      reeligibility: { after_seconds: 0 },
      message: {
        channel,
        default: content,
        ...(fallback ? { fallback: { channel: 'ops', default: { type: 'text', text: 'fallback' } } } : {}),
      },
    });
    ({ server, worker } = await startServerWithWorker(
      kind,
      {
        channels: [
          // A channel whose content may go to any host: the URL comes from the trigger.
          { id: 'any-host', type: 'webhook', url: 'https://hooks.example.com/in', url_hosts: ['*'] },
          { id: 'crm', type: 'webhook', url: 'https://crm.example.com/api/' },
          { id: 'rebinding', type: 'webhook', url: `http://rebind.test:${port}/hook` },
          { id: 'relay', type: 'webhook', url: `http://relay.test:${port}/hook` },
          { id: 'line-local', type: 'line', channel_access_token: 'line-token', api_base_url: lineUrl },
          {
            id: 'sms-local',
            type: 'twilio_sms',
            account_sid: twilio.accountSid,
            auth_token: twilio.authToken,
            from: '+15005550006',
            api_base_url: twilioUrl,
          },
          { id: 'mail-local', type: 'smtp', host: 'mail.rebind.test', port: smtpPort, from: 'shop@example.com' },
          { id: 'mail-relay', type: 'smtp', host: 'relay.test', port: smtpPort, from: 'shop@example.com' },
          { id: 'ops', type: 'sandbox' },
        ],
        campaigns: [
          campaign('fetch', 'any-host', { type: 'webhook', method: 'GET', url: '{{ api.target }}', body: null }, true),
          campaign('crm-sync', 'crm', { type: 'webhook', url: '{{ api.target }}', body: { n: 1 } }),
          campaign('rebind', 'rebinding', { type: 'webhook', body: { n: 2 } }),
          campaign('relayed', 'relay', { type: 'webhook', body: { n: 3 } }),
          campaign('line-push', 'line-local', { type: 'text', text: 'hi' }),
          campaign('sms', 'sms-local', { type: 'text', text: 'hi' }),
          campaign('mail', 'mail-local', { type: 'email', subject: 'Hi', text: 'hi' }),
          campaign('report', 'mail-relay', {
            type: 'email',
            subject: 'Your report',
            text: 'Attached.',
            attachments: [{ filename: 'report.txt', url: '{{ api.file }}' }],
          }),
        ],
      },
      { allowPrivateNetwork: false, allowedHosts: ['relay.test'], lookup: testLookup },
    ));
    triggerKey = (await createApiKey(server.engine, 'trigger only', ['campaigns.trigger.send'])).key;
  });
  afterAll(async () => {
    await server.close();
    await Promise.all([receiver.stop(), line.stop(), twilio.stop(), smtp.stop()]);
  });

  let n = 0;
  /** A new user (with a LINE id, a phone and an email) sent the campaign; returns their id. */
  async function send(campaignId: string, properties: Record<string, string> = {}): Promise<string> {
    n += 1;
    const externalId = `ssrf-${n}`;
    await server.call('POST', '/users/track', {
      attributes: [
        {
          external_id: externalId,
          line_id: `U${String(n).padStart(32, '0')}`,
          phone: `+1415555${String(1000 + n)}`,
          email: `user${n}@example.com`,
        },
      ],
    });
    const sent = await server.call(
      'POST',
      '/campaigns/trigger/send',
      { campaign_id: campaignId, trigger_properties: properties, recipients: [{ external_user_id: externalId }] },
      { key: triggerKey },
    );
    expect(sent.status).toBe(201);
    await worker.runDue();
    return (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id;
  }
  const messagesOf = async (id: string, campaign: string) =>
    (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=${campaign}`)).body.messages;
  const timeline = async (id: string, campaign: string) =>
    (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=${campaign}`)).body.timeline
      .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome))
      .reverse();

  test('a webhook URL from the trigger’s properties pointing at loopback is failed / destination_not_allowed, not called; the fallback follows', async () => {
    const before = receiver.received.length;
    const id = await send('fetch', { target: `http://127.0.0.1:${port}/internal/secrets` });
    expect(receiver.received.length).toBe(before);
    const messages = await messagesOf(id, 'fetch');
    const refused = messages.find((m: { fallback?: boolean }) => !m.fallback);
    expect(refused).toMatchObject({ state: 'failed', error_code: 'destination_not_allowed', attempts: 1 });
    expect(refused.error_message).toMatch(/^127\.0\.0\.1 is a loopback, private or link-local address/);
    expect(await timeline(id, 'fetch')).toEqual(['triggered', 'scheduled', 'failed:destination_not_allowed', 'sent']);
    expect(messages.find((m: { fallback?: boolean }) => m.fallback)).toMatchObject({ state: 'sent' });
  });

  test.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', 'http://10.1.2.3/'],
    ['IPv6 loopback', 'http://[::1]:PORT/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]:PORT/'],
    ['the unspecified address', 'http://0.0.0.0:PORT/'],
  ])('%s is refused the same way', async (_name, target) => {
    const id = await send('fetch', { target: target.replace('PORT', port) });
    const refused = (await messagesOf(id, 'fetch')).find((m: { fallback?: boolean }) => !m.fallback);
    expect(refused).toMatchObject({ state: 'failed', error_code: 'destination_not_allowed' });
  });

  test('a host name that resolves to loopback (DNS rebinding) is refused on the address it connects to', async () => {
    const before = receiver.received.length;
    const id = await send('rebind');
    expect(receiver.received.length).toBe(before);
    expect((await messagesOf(id, 'rebind'))[0]).toMatchObject({
      state: 'failed',
      error_code: 'destination_not_allowed',
      error_message: expect.stringMatching(/^rebind\.test resolves to 127\.0\.0\.1/),
    });
  });

  test('a host the operator lists in TIDINGS_ALLOWED_HOSTS is reached whatever it resolves to', async () => {
    const id = await send('relayed');
    expect((await messagesOf(id, 'relayed'))[0]).toMatchObject({ state: 'sent' });
    expect(receiver.received.at(-1)).toMatchObject({ method: 'POST', path: '/hook', body: { n: 3 } });
  });

  test('a templated URL may change only the path and query of the channel’s URL: another host is never called', async () => {
    const before = receiver.received.length;
    const elsewhere = await send('crm-sync', { target: `http://127.0.0.1:${port}/x` });
    const suffixed = await send('crm-sync', { target: 'https://crm.example.com.evil.example/api/' });
    const userinfo = await send('crm-sync', { target: 'https://admin:pw@crm.example.com/api/' });
    expect(receiver.received.length).toBe(before);
    for (const id of [elsewhere, suffixed, userinfo]) {
      expect(await messagesOf(id, 'crm-sync')).toEqual([]);
      const row = (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=crm-sync`)).body.timeline[0];
      expect(row).toMatchObject({ outcome: 'suppressed', reason: 'template_error' });
      expect(row.message).toContain('content may change only the path and query');
    }
  });

  test('LINE, Twilio and SMTP calls to loopback are refused too, with nothing reaching the fakes', async () => {
    const lineBefore = line.requests.length;
    const smtpBefore = smtp.received.length;
    const lineUser = await send('line-push');
    const smsUser = await send('sms');
    const mailUser = await send('mail');
    for (const [id, campaign] of [
      [lineUser, 'line-push'],
      [smsUser, 'sms'],
      [mailUser, 'mail'],
    ] as const)
      expect((await messagesOf(id, campaign))[0]).toMatchObject({
        state: 'failed',
        error_code: 'destination_not_allowed',
      });
    expect(line.requests.length).toBe(lineBefore);
    expect(twilio.requests.length).toBe(0);
    expect(smtp.received.length).toBe(smtpBefore);
  });

  test('an email attachment at a loopback URL is never fetched: nodemailer is given no URL, the message is refused', async () => {
    const before = receiver.received.length;
    const mailBefore = smtp.received.length;
    const id = await send('report', { file: `http://127.0.0.1:${port}/internal/report.txt` });
    expect(receiver.received.length).toBe(before);
    expect(smtp.received.length).toBe(mailBefore);
    expect((await messagesOf(id, 'report'))[0]).toMatchObject({
      state: 'failed',
      error_code: 'destination_not_allowed',
    });
  });

  test('an attachment on an allowed host is fetched and mailed, over an SMTP server on an allowed host', async () => {
    const id = await send('report', { file: `http://relay.test:${port}/files/report.txt` });
    expect((await messagesOf(id, 'report'))[0]).toMatchObject({ state: 'sent' });
    expect(receiver.received.at(-1)).toMatchObject({ method: 'GET', path: '/files/report.txt' });
    // The receiver answers 'ok'.
    expect(smtp.received.at(-1)!.raw).toContain(Buffer.from('ok').toString('base64'));
  });
});
