import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ManualClock } from '../../src/engine/clock.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { LoopbackServer } from '../fakes/loopback-server.ts';
import { SmtpSink } from '../fakes/smtp.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

describeEachStore('campaign emails sent over SMTP', (kind) => {
  const sink = new SmtpSink();
  const files = new LoopbackServer(async (request, response) => {
    const body = request.url === '/report.csv' ? 'day,orders\n2026-03-06,42\n' : 'second file';
    response.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  let server: TestServer;
  let worker: CampaignWorker;
  let n = 0;
  beforeAll(async () => {
    const port = await sink.start();
    const filesUrl = await files.start();
    ({ server, worker } = await startServerWithWorker(kind, {
      channels: [
        { id: 'mail', type: 'smtp', host: '127.0.0.1', port, secure: false, from: 'Shop <news@shop.example>' },
      ],
      campaigns: [
        {
          id: 'news',
          name: 'News',
          status: 'active',
          trigger: { type: 'api' },
          reeligibility: { after_seconds: 0 },
          message: {
            channel: 'mail',
            default: { type: 'email', subject: 'Hello {{${first_name}}}', text: 'Plain news', html: '<p>News</p>' },
          },
        },
        {
          id: 'files',
          name: 'Files',
          status: 'active',
          trigger: { type: 'api' },
          reeligibility: { after_seconds: 0 },
          message: {
            channel: 'mail',
            default: {
              type: 'email',
              subject: 'Your report',
              text: 'Attached.',
              attachments: [
                { filename: 'report.csv', url: `${filesUrl}/report.csv` },
                { filename: 'notes.txt', url: `${filesUrl}/notes.txt` },
              ],
            },
          },
        },
      ],
    }));
  });
  afterAll(async () => {
    await server.close();
    await sink.stop();
    await files.stop();
  });

  async function news(): Promise<{ id: string; email: string }> {
    n += 1;
    const email = `reader${n}@example.com`;
    await server.call('POST', '/users/track', {
      attributes: [{ external_id: `reader-${n}`, first_name: `Reader${n}`, email }],
    });
    await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'news',
      recipients: [{ external_user_id: `reader-${n}` }],
    });
    return { id: (await server.call('GET', `/v1/users?external_id=reader-${n}`)).body.users[0].id, email };
  }
  const messageOf = async (id: string) =>
    (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=news`)).body.messages[0];
  const timeline = async (id: string) =>
    (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=news`)).body.timeline
      .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome))
      .reverse();

  test('an email is delivered to the SMTP server with its subject, bodies and a Message-ID from the message id', async () => {
    const { id, email } = await news();
    await worker.runDue();
    const mail = sink.received.filter((m) => m.to.includes(email));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.from).toBe('news@shop.example');
    expect(SmtpSink.header(mail[0]!, 'Subject')).toBe(`Hello Reader${n}`);
    expect(mail[0]!.raw).toContain('Plain news');
    expect(mail[0]!.raw).toContain('<p>News</p>');
    const message = await messageOf(id);
    expect(message).toMatchObject({ state: 'sent', provider_message_id: `<${message.id}@tidings.invalid>` });
    expect(SmtpSink.header(mail[0]!, 'Message-ID')).toBe(`<${message.id}@tidings.invalid>`);
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

  test('attachments are fetched from their URLs and arrive in the email with their file names', async () => {
    const email = 'files@example.com';
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'files-reader', email }] });
    await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'files',
      recipients: [{ external_user_id: 'files-reader' }],
    });
    await worker.runDue();
    const mail = sink.received.filter((m) => m.to.includes(email))[0]!;
    expect(mail.raw).toMatch(/filename="?report\.csv"?/);
    expect(mail.raw).toMatch(/filename="?notes\.txt"?/);
    // nodemailer sends attachments in base64; these are short enough for one line each.
    expect(mail.raw).toContain(Buffer.from('day,orders\n2026-03-06,42\n').toString('base64'));
    expect(mail.raw).toContain(Buffer.from('second file').toString('base64'));
  });
});
