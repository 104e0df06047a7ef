import { afterAll, beforeAll, expect, test } from 'vitest';
import { runBroadcastPage } from '../../src/engine/campaigns/broadcast.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

/**
 * A broadcast is accepted at once and decided by the worker page by page, each page its own
 * transaction that moves the broadcast's cursor with its decisions: `GET /v1/broadcasts/{id}`
 * shows it running, then done, with the number of users of the audience it triggered.
 */
const news = (status: string) => ({
  id: 'news',
  name: 'News',
  status,
  trigger: { type: 'api' },
  audience: { filters: [{ attribute: 'tier', op: 'eq', value: 'vip' }] },
  message: { channel: 'line', default: { type: 'text', text: 'News {{ api.edition }} for {{ user.first_name }}' } },
});
const PAGE = 2;

describeEachStore('broadcasts, page by page', (kind) => {
  let server: TestServer;
  let worker: CampaignWorker;
  const vips = ['Aoi', 'Ren', 'Yui', 'Mio'];
  const basics = ['Kai', 'Sho', 'Nao'];

  beforeAll(async () => {
    ({ server, worker } = await startServerWithWorker(kind, {
      channels: [{ id: 'line', type: 'line' }],
      campaigns: [news('active')],
    }));
    const attributes = [
      ...vips.map((name) => ({ name, tier: 'vip' })),
      ...basics.map((name) => ({ name, tier: 'basic' })),
    ].map(({ name, tier }, i) => ({
      external_id: name.toLowerCase(),
      first_name: name,
      tier,
      line_id: `U${String(i).padStart(32, 'c')}`,
    }));
    expect((await server.call('POST', '/users/track', { attributes })).status).toBe(201);
  });
  afterAll(() => server.close());

  const progress = async (dispatchId: string) => (await server.call('GET', `/v1/broadcasts/${dispatchId}`)).body;
  const triggered = async () => (await server.call('GET', '/v1/campaigns/news/stats')).body.outcomes.triggered ?? 0;

  test('the answer comes first; each page decides its users in its own transaction; every VIP once, nobody else', async () => {
    const sent = await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'news',
      broadcast: true,
      trigger_properties: { edition: 'May' },
    });
    expect(sent.status).toBe(201);
    const id = sent.body.dispatch_id as string;
    expect(await progress(id)).toMatchObject({
      dispatch_id: id,
      campaign_id: 'news',
      state: 'running',
      recipients: 0,
      trigger_properties: { edition: 'May' },
    });
    expect(await triggered()).toBe(0);

    // One page: two users read, those of the audience triggered, and the count says so.
    expect(await runBroadcastPage(server.engine, PAGE)).toBe(PAGE);
    const afterOne = await progress(id);
    expect(afterOne.state).toBe('running');
    expect(await triggered()).toBe(afterOne.recipients);

    // The worker does the rest, then sends.
    await worker.runDue();
    expect(await progress(id)).toMatchObject({ state: 'done', recipients: vips.length });
    expect(await triggered()).toBe(vips.length);
    const texts = (await server.call('GET', '/v1/messages?campaign_id=news')).body.messages.map(
      (m: { payload: { messages: [{ text: string }] } }) => m.payload.messages[0].text,
    );
    expect(texts.sort()).toEqual(vips.map((name) => `News May for ${name}`).sort());
    for (const name of basics) {
      const [user] = (await server.call('GET', `/v1/users?external_id=${name.toLowerCase()}`)).body.users;
      expect((await server.call('GET', `/v1/users/${user.id}/timeline?campaign_id=news`)).body.timeline).toEqual([]);
    }
    expect(await runBroadcastPage(server.engine, PAGE)).toBe(0);
  });

  test('a campaign paused during its broadcast ends it at the next page', async () => {
    const before = await triggered();
    expect((await server.call('PUT', '/v1/campaigns/news', news('active'))).status).toBe(200);
    const id = (
      await server.call('POST', '/campaigns/trigger/send', {
        campaign_id: 'news',
        broadcast: true,
        trigger_properties: { edition: 'June' },
      })
    ).body.dispatch_id as string;
    await runBroadcastPage(server.engine, PAGE);
    const { recipients } = await progress(id);
    expect((await server.call('PUT', '/v1/campaigns/news', news('paused'))).status).toBe(200);
    await worker.runDue();
    expect(await progress(id)).toMatchObject({ state: 'done', recipients });
    expect(await triggered()).toBe(before + recipients);
  });

  test('an unknown broadcast is a 404', async () => {
    const missing = await server.call('GET', '/v1/broadcasts/nothing-here');
    expect(missing.status).toBe(404);
  });
});
