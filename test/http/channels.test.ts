import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SECRET = 'line-channel-secret';
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('base64');

describeEachStore('channels over HTTP: secrets are write-only', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  const line = {
    id: 'line-main',
    type: 'line',
    channel_secret: SECRET,
    channel_access_token: { env: 'TIDINGS_SECRET_LINE_TOKEN' },
    api_base_url: 'http://127.0.0.1:9',
  };
  const masked = { ...line, channel_secret: '********' };
  const webhook = async () => {
    const body = JSON.stringify({ destination: 'x', events: [] });
    return (
      await fetch(`${server.url}/webhooks/line/line-main`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': sign(body) },
        body,
      })
    ).status;
  };

  test('PUT and both GETs mask inline secrets and show {"env"} references; the stored secret still signs webhooks', async () => {
    const put = await server.call('PUT', '/v1/channels/line-main', line);
    expect(put.status).toBe(201);
    expect(put.body).toEqual(masked);
    expect((await server.call('GET', '/v1/channels/line-main')).body).toEqual(masked);
    expect((await server.call('GET', '/v1/channels')).body.channels).toEqual([masked]);
    expect(await webhook()).toBe(200);

    const sms = {
      id: 'sms-main',
      type: 'twilio_sms',
      account_sid: `AC${'1'.repeat(32)}`,
      auth_token: 'twilio-token',
      from: '+14155550100',
    };
    expect((await server.call('POST', '/v1/apply', { channels: [sms] })).status).toBe(200);
    expect((await server.call('GET', '/v1/channels/sms-main')).body).toEqual({
      ...sms,
      account_sid: '********',
      auth_token: '********',
    });
  });

  test('a document read with GET and written back keeps its secret; the mask with nothing stored is refused, naming the field', async () => {
    const read = (await server.call('GET', '/v1/channels/line-main')).body;
    const again = await server.call('PUT', '/v1/channels/line-main', { ...read, api_base_url: 'http://127.0.0.1:10' });
    expect(again.status).toBe(200);
    expect(await webhook()).toBe(200);

    const refused = await server.call('PUT', '/v1/channels/line-other', { ...masked, id: 'line-other' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: 'channels[0].channel_secret', message: expect.stringContaining('no secret is stored to keep') },
    ]);
    expect((await server.call('GET', '/v1/channels/line-other')).status).toBe(404);
  });
});
