import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { WebhookReceiver } from '../fakes/webhook-receiver.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

const SECRETS = ['Bearer crm-secret', 'session=cookie-secret', 'key-secret', 'signing-secret'];

/**
 * A webhook channel's Authorization, Cookie, X-Api-Key and `secret_headers` are secrets: masked
 * when the channel is read, and never stored with a message (outbox payload, /v1/messages, the
 * sandbox, the timeline); the receiver still gets them, added when the call is made.
 */
describeEachStore('secret webhook headers', (kind) => {
  const receiver = new WebhookReceiver();
  let server: TestServer;
  let worker: CampaignWorker;
  let hook: Record<string, unknown>;
  beforeAll(async () => {
    const url = `${await receiver.start()}/hook`;
    const headers = {
      Authorization: 'Bearer crm-secret',
      Cookie: 'session=cookie-secret',
      'X-API-Key': 'key-secret',
      'X-Signing': 'signing-secret',
      'X-Team': 'growth',
    };
    hook = { id: 'crm', type: 'webhook', url, headers, secret_headers: ['x-signing'] };
    const campaign = (id: string, channel: string) => ({
      id,
      name: id,
      status: 'active',
      trigger: { type: 'api' },
      reeligibility: { after_seconds: 0 },
      message: { channel, default: { type: 'webhook', body: { user: '{{ user.external_id }}' } } },
    });
    ({ server, worker } = await startServerWithWorker(kind, {
      channels: [hook, { ...hook, id: 'crm-test', sandbox: true }],
      campaigns: [campaign('sync', 'crm'), campaign('sync-test', 'crm-test')],
    }));
  });
  afterAll(async () => {
    await server.close();
    await receiver.stop();
  });

  let n = 0;
  async function sync(campaignId: string): Promise<{ id: string; externalId: string }> {
    n += 1;
    const externalId = `hook-user-${n}`;
    await server.call('POST', '/users/track', { attributes: [{ external_id: externalId }] });
    await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: campaignId,
      recipients: [{ external_user_id: externalId }],
    });
    await worker.runDue();
    return { id: (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id, externalId };
  }
  const leaks = (value: unknown) => SECRETS.filter((secret) => JSON.stringify(value).includes(secret));

  test('the receiver gets every header; the message, the timeline and the outbox keep none of the secret ones', async () => {
    const { id, externalId } = await sync('sync');
    const got = receiver.received.find((r) => (r.body as { user?: string }).user === externalId)!;
    expect([got.headers.authorization, got.headers.cookie, got.headers['x-api-key'], got.headers['x-signing']]).toEqual(
      SECRETS,
    );
    expect(got.headers['x-team']).toBe('growth');

    const [message] = (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=sync`)).body.messages;
    expect(message.state).toBe('sent');
    expect(message.payload.headers).toEqual({ 'x-team': 'growth', 'content-type': 'application/json' });
    expect(leaks(message)).toEqual([]);
    const timeline = (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=sync`)).body.timeline;
    expect(timeline.map((t: { outcome: string }) => t.outcome)).toContain('sent');
    expect(leaks(timeline)).toEqual([]);
    const stored = await server.engine.store.read((r) => r.campaigns.getMessage(message.id));
    expect(leaks(stored)).toEqual([]);
  });

  test('a sandbox webhook channel records the request without the secret headers', async () => {
    const { externalId } = await sync('sync-test');
    const sandbox = (await server.call('GET', `/v1/sandbox/messages?to=${externalId}`)).body.messages;
    expect(sandbox).toHaveLength(1);
    expect(sandbox[0].payload.headers).toEqual({ 'x-team': 'growth', 'content-type': 'application/json' });
    expect(leaks(sandbox)).toEqual([]);
  });

  test('GET masks the secret headers; written back, the channel keeps them; the mask with nothing stored is a 400', async () => {
    const read = (await server.call('GET', '/v1/channels/crm')).body;
    expect(read.headers).toEqual({
      Authorization: '********',
      Cookie: '********',
      'X-API-Key': '********',
      'X-Signing': '********',
      'X-Team': 'growth',
    });
    expect(leaks((await server.call('GET', '/v1/channels')).body)).toEqual([]);

    const put = await server.call('PUT', '/v1/channels/crm', {
      ...read,
      headers: { ...read.headers, 'X-Team': 'ops' },
    });
    expect(put.status).toBe(200);
    expect(leaks(put.body)).toEqual([]);
    const { externalId } = await sync('sync');
    const got = receiver.received.find((r) => (r.body as { user?: string }).user === externalId)!;
    expect([got.headers.authorization, got.headers['x-signing'], got.headers['x-team']]).toEqual([
      'Bearer crm-secret',
      'signing-secret',
      'ops',
    ]);

    const refused = await server.call('PUT', '/v1/channels/crm', {
      ...read,
      headers: { ...read.headers, 'X-Api-Token': '********' },
      secret_headers: ['X-Signing', 'X-Api-Token'],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: 'channels[0].headers.X-Api-Token', message: expect.stringContaining('no secret is stored to keep') },
    ]);
  });
});
