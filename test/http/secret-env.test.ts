import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { configFromEnv } from '../../src/engine/config.ts';
import { FakeLine } from '../fakes/line.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

const ADMIN_SECRET = 'the-operators-admin-key';

/**
 * `{"env": NAME}` reads only the variables TIDINGS_SECRET_ENV allows (default `TIDINGS_SECRET_*`):
 * a channel naming another (the admin key) is refused when it is saved, naming the field, and
 * the value never reaches a provider. The process environment here holds the admin key.
 */
describeEachStore('secrets read from the environment', (kind) => {
  const fake = new FakeLine({ token: 'line-token' });
  let server: TestServer;
  let worker: CampaignWorker;
  let lineUrl: string;
  beforeAll(async () => {
    lineUrl = await fake.start();
    const env = {
      TIDINGS_ADMIN_KEY: ADMIN_SECRET,
      TIDINGS_SECRET_LINE_TOKEN: 'line-token',
      DATABASE_URL: 'postgres://x',
    };
    ({ server, worker } = await startServerWithWorker(
      kind,
      {
        channels: [
          {
            id: 'line',
            type: 'line',
            channel_access_token: { env: 'TIDINGS_SECRET_LINE_TOKEN' },
            api_base_url: lineUrl,
          },
        ],
        campaigns: [
          {
            id: 'hello',
            name: 'Hello',
            status: 'active',
            trigger: { type: 'api' },
            reeligibility: { after_seconds: 0 },
            message: { channel: 'line', default: { type: 'text', text: 'hello' } },
          },
        ],
      },
      { ...configFromEnv(env), allowPrivateNetwork: true },
    ));
  });
  afterAll(async () => {
    await server.close();
    await fake.stop();
  });

  test('a channel whose secret names a variable not allowed is a 400 naming the field, and nothing is stored', async () => {
    const channel = {
      id: 'leak',
      type: 'line',
      channel_access_token: { env: 'TIDINGS_ADMIN_KEY' },
      api_base_url: lineUrl,
    };
    const put = await server.call('PUT', '/v1/channels/leak', channel);
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual([
      {
        field: 'channels[0].channel_access_token',
        message:
          'reads the environment variable TIDINGS_ADMIN_KEY, which TIDINGS_SECRET_ENV does not allow (allowed: TIDINGS_SECRET_*)',
      },
    ]);
    expect((await server.call('GET', '/v1/channels/leak')).status).toBe(404);

    // The attack as it was found: a channel and a campaign on it together, then a send.
    const leaky = await server.call('POST', '/v1/apply', {
      channels: [channel],
      campaigns: [
        {
          id: 'leaky',
          name: 'Leaky',
          status: 'active',
          trigger: { type: 'api' },
          message: { channel: 'leak', default: { type: 'text', text: 'hi' } },
        },
      ],
    });
    expect(leaky.status).toBe(400);
    await server.call('POST', '/users/track', {
      attributes: [{ external_id: 'target', line_id: `U${'2'.repeat(32)}` }],
    });
    await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'leaky',
      recipients: [{ external_user_id: 'target' }],
    });
    await worker.runDue();
    expect(fake.requests.some((r) => JSON.stringify(r.headers).includes(ADMIN_SECRET))).toBe(false);

    const applied = await server.call('POST', '/v1/apply', {
      channels: [
        { id: 'ok', type: 'sandbox' },
        { id: 'mail', type: 'smtp', host: 'smtp.example.com', user: 'u', password: { env: 'DATABASE_URL' } },
      ],
    });
    expect(applied.status).toBe(400);
    expect(applied.body.errors.map((e: { field: string }) => e.field)).toEqual(['channels[1].password']);
    expect((await server.call('GET', '/v1/channels/ok')).status).toBe(404);
  });

  test('an allowed variable is read at send time; no request ever carried the admin key', async () => {
    await server.call('POST', '/users/track', {
      attributes: [{ external_id: 'reader', line_id: `U${'1'.repeat(32)}` }],
    });
    await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'hello',
      recipients: [{ external_user_id: 'reader' }],
    });
    await worker.runDue();
    const push = fake.requests.find((r) => r.path === '/v2/bot/message/push');
    expect(push?.headers.authorization).toBe('Bearer line-token');
    expect(push?.status).toBe(200);
    expect(fake.requests.some((r) => JSON.stringify(r.headers).includes(ADMIN_SECRET))).toBe(false);
  });
});
