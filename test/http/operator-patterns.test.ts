import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SECRET = 'line-channel-secret';
const ATTACK = '(a+)+$';
/** Enough a's to stall a backtracking engine for longer than the universe has existed; 31 took 15 s. */
const LONG = 'a'.repeat(5_000);
/** An event property string is at most 255 characters (Braze's limit): as many a's as fit before the "!". */
const PROPERTY = 'a'.repeat(254);

describeEachStore("operators' patterns on public input", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
    const applied = await server.call('POST', '/v1/apply', {
      channels: [
        { id: 'line-in', type: 'line', channel_secret: SECRET },
        { id: 'ops', type: 'sandbox' },
      ],
      campaigns: [
        {
          id: 'word',
          name: 'Word',
          status: 'active',
          trigger: { type: 'inbound_message', channel_type: 'line', match: 'regex', trigger_words: [ATTACK] },
          message: { channel: 'ops', default: { type: 'text', text: 'word' } },
        },
        {
          id: 'filter',
          name: 'Filter',
          status: 'active',
          trigger: { type: 'custom_event', event: 'note', filters: [{ property: 'text', op: 'regex', value: ATTACK }] },
          message: { channel: 'ops', default: { type: 'text', text: 'filter' } },
        },
      ],
    });
    expect(applied.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  let eventNumber = 0;
  const inbound = async (from: string, text: string) => {
    const body = JSON.stringify({
      destination: 'Ubot',
      events: [
        {
          type: 'message',
          mode: 'active',
          timestamp: Date.parse('2026-03-06T08:00:00Z'),
          source: { type: 'user', userId: from },
          webhookEventId: `01HPATTERN${String(++eventNumber).padStart(16, '0')}`,
          deliveryContext: { isRedelivery: false },
          replyToken: 'r',
          message: { id: `m${eventNumber}`, type: 'text', text, quoteToken: 'q' },
        },
      ],
    });
    return fetch(`${server.url}/webhooks/line/line-in`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-line-signature': createHmac('sha256', SECRET).update(body).digest('base64'),
      },
      body,
    });
  };
  const outcomes = async (query: string, campaign: string) => {
    const id = (await server.call('GET', `/v1/users?${query}`)).body.users[0].id;
    return (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=${campaign}`)).body.timeline.map(
      (t: { outcome: string }) => t.outcome,
    );
  };

  test('a LINE message built against a trigger word (a+)+$ is answered at once, and matching still works', async () => {
    const attacker = `U${'1'.repeat(32)}`;
    const friend = `U${'2'.repeat(32)}`;
    const started = performance.now();
    expect((await inbound(attacker, `${LONG}!`)).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await outcomes(`line_id=${attacker}`, 'word')).toEqual([]);
    expect((await inbound(friend, LONG)).status).toBe(200);
    expect(await outcomes(`line_id=${friend}`, 'word')).toContain('triggered');
  });

  test('an event property built against a filter (a+)+$ is answered at once, and matching still works', async () => {
    const track = (externalId: string, text: string) =>
      server.call('POST', '/users/track', {
        attributes: [{ external_id: externalId }],
        events: [{ external_id: externalId, name: 'note', time: '2026-03-06T08:00:00Z', properties: { text } }],
      });
    const started = performance.now();
    expect((await track('attacker', `${PROPERTY}!`)).body.events_processed).toBe(1);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await outcomes('external_id=attacker', 'filter')).toEqual([]);
    expect((await track('friend', PROPERTY)).body.events_processed).toBe(1);
    expect(await outcomes('external_id=friend', 'filter')).toContain('triggered');
  });
});
