import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ManualClock } from '../../src/engine/clock.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { WebhookReceiver } from '../fakes/webhook-receiver.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

describeEachStore('campaign webhooks sent over HTTP', (kind) => {
  const receiver = new WebhookReceiver();
  const { received, replies } = receiver;
  let server: TestServer;
  let worker: CampaignWorker;
  beforeAll(async () => {
    const url = `${await receiver.start()}/hook`;
    ({ server, worker } = await startServerWithWorker(kind, {
      channels: [{ id: 'crm', type: 'webhook', url, headers: { authorization: 'Bearer crm-secret' } }],
      campaigns: [
        {
          id: 'sync',
          name: 'CRM sync',
          status: 'active',
          trigger: { type: 'api' },
          reeligibility: { after_seconds: 0 },
          message: {
            channel: 'crm',
            default: { type: 'webhook', body: { user: '{{ user.external_id }}', plan: '{{ api.plan }}' } },
          },
        },
      ],
    }));
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });

  let n = 0;
  async function sync(plan: string): Promise<{ id: string; externalId: string }> {
    n += 1;
    const externalId = `crm-user-${n}`;
    await server.call('POST', '/users/track', { attributes: [{ external_id: externalId }] });
    await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'sync',
      trigger_properties: { plan },
      recipients: [{ external_user_id: externalId }],
    });
    return { id: (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id, externalId };
  }
  const messageOf = async (id: string) =>
    (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=sync`)).body.messages[0];

  test('the rendered request goes out with the channel’s headers and an Idempotency-Key, the same on every attempt', async () => {
    replies.push({ status: 503 });
    const { id, externalId } = await sync('gold');
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'queued', error_code: 'http_503' });
    (server.clock as ManualClock).advance(2_000);
    await worker.runDue();
    const mine = received.filter((r) => (r.body as { user: string }).user === externalId);
    expect(mine.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/hook', { user: externalId, plan: 'gold' }],
      ['POST', '/hook', { user: externalId, plan: 'gold' }],
    ]);
    expect(mine[0]!.headers.authorization).toBe('Bearer crm-secret');
    expect(mine[0]!.headers['user-agent']).toBe('Tidings');
    const message = await messageOf(id);
    expect(mine.map((r) => r.headers['idempotency-key'])).toEqual([message.id, message.id]);
    expect(message).toMatchObject({ state: 'sent', attempts: 2, provider_message_id: `req-${received.length}` });
  });

  test('a 4xx answer is provider_rejected at once', async () => {
    replies.push({ status: 404 });
    const { id } = await sync('silver');
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'failed', error_code: 'http_404' });
  });

  test('a redirect is the receiver’s answer, not followed: provider_rejected, one request', async () => {
    replies.push({ status: 302 });
    const before = received.length;
    const { id } = await sync('bronze');
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'failed', error_code: 'http_302' });
    expect(received.length - before).toBe(1);
  });
});
