import { afterAll, beforeAll, expect, test } from 'vitest';
import { channelAdapter } from '../../src/channels/adapter.ts';
import type { ManualClock } from '../../src/engine/clock.ts';
import { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { SmtpSink } from '../fakes/smtp.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describeEachStore('campaign emails sent over SMTP', (kind) => {
  const sink = new SmtpSink();
  let server: TestServer;
  let worker: CampaignWorker;
  let n = 0;
  beforeAll(async () => {
    const port = await sink.start();
    server = await startTestServer(kind);
    worker = new CampaignWorker(server.engine, channelAdapter);
    const applied = await server.call('POST', '/v1/apply', {
      channels: [{ id: 'mail', type: 'smtp', host: '127.0.0.1', port, secure: false, from: 'Shop <news@shop.example>' }],
      campaigns: [{ id: 'news', name: 'News', status: 'active', trigger: { type: 'api' }, reeligibility: { after_seconds: 0 },
        message: { channel: 'mail', default: { type: 'email', subject: 'Hello {{${first_name}}}', text: 'Plain news', html: '<p>News</p>' } } }],
    });
    expect(applied.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
    await sink.stop();
  });

  async function news(): Promise<{ id: string; email: string }> {
    n += 1;
    const email = `reader${n}@example.com`;
    await server.call('POST', '/users/track', { attributes: [{ external_id: `reader-${n}`, first_name: `Reader${n}`, email }] });
    await server.call('POST', '/campaigns/trigger/send', { campaign_id: 'news', recipients: [{ external_user_id: `reader-${n}` }] });
    return { id: (await server.call('GET', `/v1/users?external_id=reader-${n}`)).body.users[0].id, email };
  }
  const messageOf = async (id: string) => (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=news`)).body.messages[0];
  const timeline = async (id: string) => (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=news`)).body.timeline
    .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome)).reverse();

  test('an email is delivered to the SMTP server with its subject, bodies and a Message-ID from the message id', async () => {
    const { id, email } = await news();
    await worker.runDue();
    const mail = sink.received.filter((m) => m.to.includes(email));
    expect(mail).toHaveLength(1);
    expect(mail[0].from).toBe('news@shop.example');
    expect(SmtpSink.header(mail[0], 'Subject')).toBe(`Hello Reader${n}`);
    expect(mail[0].raw).toContain('Plain news');
    expect(mail[0].raw).toContain('<p>News</p>');
    const message = await messageOf(id);
    expect(message).toMatchObject({ state: 'sent', provider_message_id: `<${message.id}@tidings.invalid>` });
    expect(SmtpSink.header(mail[0], 'Message-ID')).toBe(`<${message.id}@tidings.invalid>`);
  });

  test('a 550 is provider_rejected at once; a 451 is tried again and then delivered once', async () => {
    sink.refuseNext(1, 550);
    const rejected = await news();
    await worker.runDue();
    expect(await messageOf(rejected.id)).toMatchObject({ state: 'failed', error_code: 'smtp_550' });
    expect(await timeline(rejected.id)).toEqual(['triggered', 'scheduled', 'failed:provider_rejected']);

    sink.refuseNext(1, 451);
    const later = await news();
    await worker.runDue();
    expect(await messageOf(later.id)).toMatchObject({ state: 'queued', error_code: 'smtp_451' });
    (server.clock as ManualClock).advance(2_000);
    await worker.runDue();
    expect(await messageOf(later.id)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(sink.received.filter((m) => m.to.includes(later.email))).toHaveLength(1);
  });
});
