import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { ManualClock } from '../../src/engine/clock.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { FakeLine } from '../fakes/line.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

const lineId = (n: number) => `U${String(n).padStart(32, '0')}`;

describeEachStore('campaign messages sent to LINE over the network', (kind) => {
  const fake = new FakeLine({ token: 'line-token' });
  let server: TestServer;
  let clock: ManualClock;
  let worker: CampaignWorker;
  let user = 0;
  beforeAll(async () => {
    const lineUrl = await fake.start();
    ({ server, clock, worker } = await startServerWithWorker(kind, {
      subscription_groups: [{ id: 'line-friends', name: 'LINE friends', channel_type: 'line' }],
      channels: [
        { id: 'line-live', type: 'line', channel_access_token: 'line-token', api_base_url: lineUrl },
        {
          id: 'line-oa',
          type: 'line',
          channel_access_token: 'line-token',
          api_base_url: lineUrl,
          subscription_group: 'line-friends',
        },
        { id: 'ops', type: 'sandbox' },
      ],
      campaigns: [
        {
          id: 'welcome',
          name: 'Welcome',
          status: 'active',
          trigger: { type: 'api' },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'line-live', default: { type: 'text', text: 'Welcome {{${first_name}}}' } },
        },
        {
          id: 'welcome-fb',
          name: 'Welcome with a fallback',
          status: 'active',
          trigger: { type: 'api' },
          reeligibility: { after_seconds: 0 },
          message: {
            channel: 'line-live',
            default: { type: 'text', text: 'Welcome' },
            fallback: {
              channel: 'ops',
              default: { type: 'text', text: 'Fallback for {{ user.external_id }} ({{ api.code }})' },
            },
          },
        },
        {
          id: 'line-failed',
          name: 'Tell ops',
          status: 'active',
          trigger: { type: 'campaign_interaction', campaign: 'welcome', interaction: 'failed' },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'ops', default: { type: 'text', text: 'LINE failed for {{ user.external_id }}' } },
        },
      ],
    }));
  });
  afterAll(async () => {
    await server.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  /** A new user with a LINE id, sent the welcome message now; returns their external id and LINE id. */
  async function welcome(): Promise<{ externalId: string; line: string; id: string }> {
    user += 1;
    const externalId = `line-user-${user}`;
    const line = lineId(user);
    await server.call('POST', '/users/track', {
      attributes: [{ external_id: externalId, first_name: `Name${user}`, line_id: line }],
    });
    expect(
      (
        await server.call('POST', '/campaigns/trigger/send', {
          campaign_id: 'welcome',
          recipients: [{ external_user_id: externalId }],
        })
      ).status,
    ).toBe(201);
    const id = (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id as string;
    return { externalId, line, id };
  }
  const timeline = async (id: string, campaign = 'welcome') =>
    (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=${campaign}`)).body.timeline
      .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome))
      .reverse();
  const messageOf = async (id: string) =>
    (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=welcome`)).body.messages[0];

  test('a message is pushed with the channel token and retry key, and recorded sent with LINE’s message id', async () => {
    const { line, id } = await welcome();
    await worker.runDue();
    expect(fake.delivered()).toEqual([
      { to: line, replyToken: null, messages: [{ type: 'text', text: `Welcome Name${user}` }] },
    ]);
    expect(fake.requests[0]!.headers['x-line-retry-key']).toMatch(/^[0-9a-f-]{36}$/);
    const message = await messageOf(id);
    expect(message).toMatchObject({ state: 'sent', attempts: 1 });
    expect(message.provider_message_id).toMatch(/^\d+$/);
    expect(await timeline(id)).toEqual(['triggered', 'scheduled', 'sent']);
    expect((await server.call('GET', `/v1/sandbox/messages?to=${line}`)).body.messages).toEqual([]);
  });

  test('transient failures are retried with backoff and the same retry key; the message goes out once', async () => {
    fake.failNext(2, { status: 500 });
    const { line, id } = await welcome();
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'queued', attempts: 1, error_code: 'http_500' });
    clock.advance(1_300);
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'queued', attempts: 2 });
    clock.advance(2_500);
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({ state: 'sent', attempts: 3, error_code: null });
    const keys = fake.requests.map((r) => r.headers['x-line-retry-key']);
    expect(new Set(keys).size).toBe(1);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(fake.delivered().filter((d) => d.to === line)).toHaveLength(1);
    expect(await timeline(id)).toEqual(['triggered', 'scheduled', 'sent']);
  });

  test('a refusal fails the message at once as provider_rejected, with LINE’s words, and fires the failed interaction', async () => {
    fake.failNext(1, { status: 400, body: { message: 'Failed to send messages' } });
    const { externalId, id } = await welcome();
    await worker.runDue();
    expect(await messageOf(id)).toMatchObject({
      state: 'failed',
      error_code: 'http_400',
      error_message: 'Failed to send messages',
    });
    expect(await timeline(id)).toEqual(['triggered', 'scheduled', 'failed:provider_rejected']);
    expect(await timeline(id, 'line-failed')).toEqual(['triggered', 'scheduled', 'sent']);
    const ops = (await server.call('GET', `/v1/sandbox/messages?to=${externalId}`)).body.messages;
    expect(ops.map((m: { payload: { content: { text: string } } }) => m.payload.content.text)).toEqual([
      `LINE failed for ${externalId}`,
    ]);
  });

  test('a provider’s error text is kept to its first 300 characters, on the message and in the timeline', async () => {
    const details = Array.from({ length: 40 }, (_, i) => ({
      property: `messages[${i}].text`,
      message: 'x'.repeat(50),
    }));
    fake.failNext(1, { status: 400, body: { message: 'The request body has 40 error(s)', details } });
    const { id } = await welcome();
    await worker.runDue();
    const message = await messageOf(id);
    expect(message).toMatchObject({ state: 'failed', error_code: 'http_400' });
    expect(message.error_message).toHaveLength(300);
    expect(message.error_message).toMatch(/^The request body has 40 error\(s\); messages\[0\]\.text: x+/);
    const failed = (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=welcome`)).body.timeline[0];
    expect(failed).toMatchObject({ outcome: 'failed', message: message.error_message });
  });
  test('a provider that stays down is given up after 10 minutes as provider_unavailable', async () => {
    fake.failNext(1000, { status: 503 });
    const { id } = await welcome();
    let rounds = 0;
    do {
      await worker.runDue();
      clock.advance(60_000);
      rounds++;
    } while (rounds < 40 && (await messageOf(id)).state !== 'failed');
    fake.clearFailures();
    expect(await messageOf(id)).toMatchObject({ state: 'failed', error_code: 'http_503' });
    expect(rounds).toBeGreaterThan(5);
    expect(rounds).toBeLessThanOrEqual(12);
    expect(await timeline(id)).toEqual(['triggered', 'scheduled', 'failed:provider_unavailable']);
  });

  test('after a refusal the campaign’s fallback is tried once, rendered from the same trigger', async () => {
    user += 1;
    const externalId = `line-user-${user}`;
    await server.call('POST', '/users/track', { attributes: [{ external_id: externalId, line_id: lineId(user) }] });
    fake.failNext(1, { status: 400, body: { message: 'Failed to send messages' } });
    await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'welcome-fb',
      trigger_properties: { code: 'FB1' },
      recipients: [{ external_user_id: externalId }],
    });
    await worker.runDue();
    const id = (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id as string;
    expect(await timeline(id, 'welcome-fb')).toEqual(['triggered', 'scheduled', 'failed:provider_rejected', 'sent']);
    const ops = (await server.call('GET', `/v1/sandbox/messages?to=${externalId}`)).body.messages;
    expect(ops.map((m: { payload: { content: { text: string } } }) => m.payload.content.text)).toEqual([
      `Fallback for ${externalId} (FB1)`,
    ]);
    const messages = (await server.call('GET', `/v1/messages?user_id=${id}&campaign_id=welcome-fb`)).body.messages;
    expect(messages.map((m: { state: string; fallback?: boolean }) => [m.state, m.fallback ?? false]).sort()).toEqual([
      ['failed', false],
      ['sent', true],
    ]);
  });

  test('sync_followers finds or creates every follower page by page, subscribed to the channel’s group; again, it creates nothing', async () => {
    const existing = lineId(900_000);
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'already-here', line_id: existing }] });
    fake.followers = [existing, ...Array.from({ length: 2_400 }, (_, i) => lineId(800_000 + i))];
    const first = await server.call('POST', '/v1/channels/line-oa/sync_followers');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ followers: 2_401, created: 2_400, pages: 3, expected: 2_401 });
    expect((await server.call('POST', '/v1/channels/line-oa/sync_followers')).body).toEqual({
      followers: 2_401,
      created: 0,
      pages: 3,
      expected: 2_401,
    });

    const known = (await server.call('GET', `/v1/users?line_id=${existing}`)).body.users;
    expect(known.map((u: { external_id: string }) => u.external_id)).toEqual(['already-here']);
    const imported = (await server.call('GET', `/v1/users?alias_label=line_id&alias_name=${lineId(800_123)}`)).body
      .users;
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({ line_id: lineId(800_123) });
    expect(JSON.stringify(imported[0])).toContain('line-friends');
    expect(JSON.stringify(known[0])).toContain('line-friends');

    expect((await server.call('POST', '/v1/channels/ops/sync_followers')).status).toBe(404);
    // The first request asks for the follower count, whose failure only costs the progress bar; the second is the list.
    fake.failNext(2, { status: 403 });
    const refused = await server.call('POST', '/v1/channels/line-oa/sync_followers');
    expect(refused.status).toBe(502);
    expect(refused.body.message).toContain('http_403');
  });
});
