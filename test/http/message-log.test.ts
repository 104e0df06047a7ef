import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ManualClock } from '../../src/engine/clock.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

const LINE_IDS = Array.from({ length: 5 }, (_, i) => `U${String(i + 1).padStart(32, '0')}`);

describeEachStore('GET /v1/messages (status, cursor) and DELETE /v1/sandbox/messages', (kind) => {
  let server: TestServer;
  let clock: ManualClock;
  let worker: CampaignWorker;

  /** Triggers the campaign for these users, one second apart, and runs the worker: one sandbox message each. */
  async function send(campaign: string, users: string[]): Promise<void> {
    for (const user of users) {
      const sent = await server.call('POST', '/campaigns/trigger/send', {
        campaign_id: campaign,
        recipients: [{ external_user_id: user }],
      });
      expect(sent.status).toBe(201);
      await worker.runDue();
      clock.advance(1000);
    }
  }

  beforeAll(async () => {
    ({ server, clock, worker } = await startServerWithWorker(kind, {
      channels: [
        { id: 'line-test', type: 'line', sandbox: true },
        { id: 'line-other', type: 'line', sandbox: true },
      ],
      campaigns: ['hello', 'other'].map((id) => ({
        id,
        name: id,
        status: 'active',
        trigger: { type: 'api' },
        message: { channel: id === 'hello' ? 'line-test' : 'line-other', default: { type: 'text', text: id } },
      })),
    }));
    const tracked = await server.call('POST', '/users/track', {
      attributes: LINE_IDS.map((line_id, i) => ({ external_id: `u${i}`, line_id })),
    });
    expect(tracked.status).toBe(201);
    await send('hello', ['u0', 'u1', 'u2', 'u3']);
    await send('other', ['u4']);
  });
  afterAll(async () => {
    await server.close();
  });

  const ids = (body: { messages: Array<{ campaign_id: string; to: string }> }) =>
    body.messages.map((m) => `${m.campaign_id}:${m.to.slice(-1)}`);

  test('pages follow next_cursor to the end, newest first, unshaken by messages written meanwhile', async () => {
    const first = await server.call('GET', '/v1/messages?limit=2');
    expect(first.status).toBe(200);
    expect(ids(first.body)).toEqual(['other:5', 'hello:4']);
    expect(first.body.next_cursor).toEqual(expect.any(String));

    await send('hello', ['u4']);
    const second = await server.call('GET', `/v1/messages?limit=2&cursor=${first.body.next_cursor}`);
    expect(ids(second.body)).toEqual(['hello:3', 'hello:2']);
    const third = await server.call('GET', `/v1/messages?limit=2&cursor=${second.body.next_cursor}`);
    expect(ids(third.body)).toEqual(['hello:1']);
    expect(third.body.next_cursor).toBeNull();

    const filtered = await server.call('GET', '/v1/messages?campaign=hello&limit=3');
    expect(ids(filtered.body)).toEqual(['hello:5', 'hello:4', 'hello:3']);
    const rest = await server.call('GET', `/v1/messages?campaign=hello&limit=3&cursor=${filtered.body.next_cursor}`);
    expect(ids(rest.body)).toEqual(['hello:2', 'hello:1']);
    expect(rest.body.next_cursor).toBeNull();
  });

  test('status filters by the message state; an unknown one is a 400 listing the states', async () => {
    const sent = await server.call('GET', '/v1/messages?status=sent&campaign_id=other');
    expect(ids(sent.body)).toEqual(['other:5']);
    expect((await server.call('GET', '/v1/messages?status=failed')).body).toEqual({ messages: [], next_cursor: null });
    const user = (await server.call('GET', '/v1/users?external_id=u0')).body.users[0].id;
    expect(ids((await server.call('GET', `/v1/messages?user=${user}&status=sent`)).body)).toEqual(['hello:1']);

    const unknown = await server.call('GET', '/v1/messages?status=bounced');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'status', message: 'must be one of queued, sending, sent, delivered, failed; got "bounced"' },
    ]);
  });

  test("the spec's user and campaign name the same filters as user_id and campaign_id", async () => {
    const both = await server.call('GET', '/v1/messages?campaign=hello&campaign_id=hello&limit=1');
    expect(ids(both.body)).toEqual(['hello:5']);
    const clash = await server.call('GET', '/v1/messages?campaign=hello&campaign_id=other');
    expect({ status: clash.status, errors: clash.body.errors }).toEqual({
      status: 400,
      errors: [{ field: 'campaign', message: "names the same filter as 'campaign_id' and must agree with it" }],
    });
  });

  test('a cursor that this server did not give is a 400 naming cursor', async () => {
    for (const cursor of [
      'nope',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('{}').toString('base64url'),
    ]) {
      const bad = await server.call('GET', `/v1/messages?cursor=${cursor}`);
      expect({ cursor, status: bad.status, field: bad.body.errors?.[0]?.field }).toEqual({
        cursor,
        status: 400,
        field: 'cursor',
      });
    }
  });

  test("DELETE /v1/sandbox/messages empties the inbox (or one channel's) and says how many went", async () => {
    expect((await server.call('GET', '/v1/sandbox/messages')).body.messages).toHaveLength(6);
    const one = await server.call('DELETE', '/v1/sandbox/messages?channel_id=line-other');
    expect({ status: one.status, body: one.body }).toEqual({ status: 200, body: { deleted: 1 } });
    expect((await server.call('GET', '/v1/sandbox/messages?channel_id=line-other')).body.messages).toEqual([]);
    const all = await server.call('DELETE', '/v1/sandbox/messages');
    expect({ status: all.status, body: all.body }).toEqual({ status: 200, body: { deleted: 5 } });
    expect((await server.call('GET', '/v1/sandbox/messages')).body.messages).toEqual([]);
    expect((await server.call('DELETE', '/v1/sandbox/messages')).body).toEqual({ deleted: 0 });
    // The message log keeps its records: only the inbox is emptied.
    expect((await server.call('GET', '/v1/messages')).body.messages).toHaveLength(6);
  });
});
