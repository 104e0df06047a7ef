import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { channelAdapter } from '../../src/channels/adapter.ts';
import type { ManualClock } from '../../src/engine/clock.ts';
import { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describeEachStore('campaign webhooks sent over HTTP', (kind) => {
  const received: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: unknown }> = [];
  const answers: number[] = [];
  let receiver: Server;
  let server: TestServer;
  let worker: CampaignWorker;
  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
        response.writeHead(answers.shift() ?? 200, { 'x-request-id': `req-${received.length}` });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    server = await startTestServer(kind);
    worker = new CampaignWorker(server.engine, channelAdapter);
    const applied = await server.call('POST', '/v1/apply', {
      channels: [{ id: 'crm', type: 'webhook', url, headers: { authorization: 'Bearer crm-secret' } }],
      campaigns: [{ id: 'sync', name: 'CRM sync', status: 'active', trigger: { type: 'api' }, reeligibility: { after_seconds: 0 },
        message: { channel: 'crm', default: { type: 'webhook', body: { user: '{{ user.external_id }}', plan: '{{ api.plan }}' } } } }],
    });
    expect(applied.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  let n = 0;
  async function sync(plan: string): Promise<{ id: string; externalId: string }> {
    n += 1;
    const externalId = `crm-user-${n}`;
    await server.call('POST', '/users/track', { attributes: [{ external_id: externalId }] });
    await server.call('POST', '/campaigns/trigger/send', { campaign_id: 'sync', trigger_properties: { plan }, recipients: [{ external_user_id: externalId }] });
    return { id: (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id, externalId };
  }
  const messageOf = async (id: string) => (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=sync`)).body.messages[0];

  test('the rendered request goes out with the channel’s headers and an Idempotency-Key, the same on every attempt', async () => {
    answers.push(503);
    const { id, externalId } = await sync('gold');
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'queued', error_code: 'http_503' });
    (server.clock as ManualClock).advance(2_000);
    await worker.runDue();
    const mine = received.filter((r) => (r.body as { user: string }).user === externalId);
    expect(mine.map((r) => [r.method, r.path, r.body])).toEqual([['POST', '/hook', { user: externalId, plan: 'gold' }], ['POST', '/hook', { user: externalId, plan: 'gold' }]]);
    expect(mine[0].headers.authorization).toBe('Bearer crm-secret');
    const message = await messageOf(id);
    expect(mine.map((r) => r.headers['idempotency-key'])).toEqual([message.id, message.id]);
    expect(message).toMatchObject({ state: 'sent', attempts: 2, provider_message_id: `req-${received.length}` });
  });

  test('a 4xx answer is provider_rejected at once', async () => {
    answers.push(404);
    const { id } = await sync('silver');
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'failed', error_code: 'http_404' });
  });
});
