import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { channelAdapter } from '../../src/channels/adapter.ts';
import type { ManualClock } from '../../src/engine/clock.ts';
import { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const LINE_ID = 'U4af4980629a1b2c3d4e5f60718293a4b';

const cartReminder = {
  id: 'cart-reminder',
  name: 'Abandoned cart reminder',
  status: 'active',
  trigger: {
    type: 'custom_event',
    event: 'added_to_cart',
    filters: [{ property: 'cart_value', op: 'gte', value: 100 }],
  },
  audience: { filters: [{ attribute: 'line_id', op: 'exists' }] },
  delay: { type: 'duration', seconds: 3600 },
  exceptions: [{ type: 'purchase' }],
  message: {
    channel: 'line-main',
    default: {
      type: 'text',
      text: "Hi {{ user.first_name | default: 'there' }}, your cart is waiting ({{ event.properties.cart_value }})",
    },
  },
};

describeEachStore('campaign engine over HTTP', (kind) => {
  let server: TestServer;
  let clock: ManualClock;
  let worker: CampaignWorker;
  beforeAll(async () => {
    server = await startTestServer(kind);
    clock = server.clock as ManualClock;
    worker = new CampaignWorker(server.engine, channelAdapter);
    const applied = await server.call('POST', '/v1/apply', {
      channels: [{ id: 'line-main', type: 'line' }],
      campaigns: [
        cartReminder,
        {
          id: 'promo',
          name: 'API promo',
          status: 'active',
          trigger: { type: 'api' },
          message: {
            channel: 'line-main',
            default: { type: 'text', text: 'Code {{ api.code }} for {{${first_name}}}' },
          },
        },
      ],
    });
    expect(applied.status).toBe(200);
    expect(applied.body.created).toEqual(['channel:line-main', 'campaign:cart-reminder', 'campaign:promo']);
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => clock.set('2026-03-06T08:00:00Z'));

  const track = (body: unknown) => server.call('POST', '/users/track', body);
  const userId = async (externalId: string) =>
    (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0].id as string;
  const outcomes = async (externalId: string) =>
    (await server.call('GET', `/v1/users/${await userId(externalId)}/timeline?campaign_id=cart-reminder`)).body.timeline
      .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome))
      .reverse();

  test('an event schedules the reminder; an hour later the sandbox holds the exact LINE push', async () => {
    const tracked = await track({
      attributes: [{ external_id: 'u1', first_name: 'Aiko', line_id: LINE_ID }],
      events: [
        { external_id: 'u1', name: 'added_to_cart', time: '2026-03-06T08:00:00Z', properties: { cart_value: 150 } },
      ],
    });
    expect(tracked.status).toBe(201);
    expect(await outcomes('u1')).toEqual(['triggered', 'scheduled']);

    clock.advance(3_599_000);
    expect(await worker.runDue()).toBe(0);
    clock.advance(1000);
    expect(await worker.runDue()).toBe(2);

    const sandbox = await server.call('GET', `/v1/sandbox/messages?to=${LINE_ID}`);
    expect(sandbox.body.messages).toHaveLength(1);
    expect(sandbox.body.messages[0]).toMatchObject({
      channel_id: 'line-main',
      channel_type: 'line',
      to: LINE_ID,
      payload: { to: LINE_ID, messages: [{ type: 'text', text: 'Hi Aiko, your cart is waiting (150)' }] },
      received_at: '2026-03-06T09:00:00.000Z',
    });
    expect(await outcomes('u1')).toEqual(['triggered', 'scheduled', 'sent']);
    const messages = await server.call('GET', '/v1/messages?campaign_id=cart-reminder');
    expect(messages.body.messages[0]).toMatchObject({ state: 'sent', to: LINE_ID, attempts: 1 });
    expect(await worker.runDue()).toBe(0);
  });

  test('a purchase before the send cancels it, and nothing goes out', async () => {
    await track({
      attributes: [{ external_id: 'u2', line_id: 'U00000000000000000000000000000002' }],
      events: [
        { external_id: 'u2', name: 'added_to_cart', time: '2026-03-06T08:00:00Z', properties: { cart_value: 120 } },
      ],
    });
    clock.advance(600_000);
    await track({
      purchases: [{ external_id: 'u2', product_id: 'sku', currency: 'USD', price: 10, time: '2026-03-06T08:10:00Z' }],
    });
    clock.advance(3_600_000);
    await worker.runDue();
    expect(await outcomes('u2')).toEqual(['triggered', 'scheduled', 'cancelled:exception_event']);
    expect(
      (await server.call('GET', '/v1/sandbox/messages?to=U00000000000000000000000000000002')).body.messages,
    ).toEqual([]);
  });

  test('a filter that does not match decides nothing; a user outside the audience is suppressed with a reason', async () => {
    await track({
      attributes: [{ external_id: 'u3' }],
      events: [
        { external_id: 'u3', name: 'added_to_cart', time: '2026-03-06T08:00:00Z', properties: { cart_value: 50 } },
      ],
    });
    expect(await outcomes('u3')).toEqual([]);
    await track({
      events: [
        { external_id: 'u3', name: 'added_to_cart', time: '2026-03-06T08:00:00Z', properties: { cart_value: 500 } },
      ],
    });
    expect(await outcomes('u3')).toEqual(['triggered', 'suppressed:not_in_audience']);
    const stats = await server.call('GET', '/v1/campaigns/cart-reminder/stats');
    expect(stats.body.reasons.not_in_audience).toBeGreaterThanOrEqual(1);
  });

  test('POST /campaigns/trigger/send renders trigger_properties for each recipient', async () => {
    await track({
      attributes: [{ external_id: 'u4', first_name: 'Ken', line_id: 'U00000000000000000000000000000004' }],
    });
    const sent = await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'promo',
      trigger_properties: { code: 'A1' },
      recipients: [{ external_user_id: 'u4' }, { external_user_id: 'nobody' }],
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({ dispatch_id: expect.any(String), message: 'success' });
    await worker.runDue();
    const sandbox = await server.call('GET', '/v1/sandbox/messages?to=U00000000000000000000000000000004');
    expect(
      sandbox.body.messages.map((m: { payload: { messages: [{ text: string }] } }) => m.payload.messages[0].text),
    ).toEqual(['Code A1 for Ken']);
    const bad = await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'cart-reminder',
      recipients: [{ external_user_id: 'u4' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('campaign_id');
  });

  test('an invalid definition is refused with the field named, and nothing is applied', async () => {
    const refused = await server.call('POST', '/v1/apply', {
      segments: [{ id: 'vip', filters: [{ attribute: 'tier', op: 'eq', value: 'gold' }] }],
      campaigns: [
        {
          ...cartReminder,
          id: 'broken',
          trigger: { type: 'custom_event', event: 'x', filters: [{ property: 'p', op: 'between', value: [5, 1] }] },
        },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].field).toBe('campaigns[broken].trigger.filters');
    expect((await server.call('GET', '/v1/segments/vip')).status).toBe(404);
    const noChannel = await server.call('PUT', '/v1/campaigns/x', {
      ...cartReminder,
      id: 'x',
      message: { channel: 'nope', default: { type: 'text', text: 'x' } },
    });
    expect(noChannel.status).toBe(400);
    expect(noChannel.body.errors[0].field).toBe('campaigns[x].message.channel');
    const badTemplate = await server.call('PUT', '/v1/campaigns/x', {
      ...cartReminder,
      id: 'x',
      message: { channel: 'line-main', default: { type: 'text', text: '{{ user.first_name | nope }}' } },
    });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.errors[0].field).toBe('campaigns[x].message.default.text');
  });

  test('a pattern the linear-time engine cannot run is refused at save, naming the field; nothing is applied', async () => {
    const inboundCampaign = (id: string, words: string[]) => ({
      id,
      name: id,
      status: 'active',
      trigger: { type: 'inbound_message', channel_type: 'line', match: 'regex', trigger_words: words },
      message: { channel: 'line-main', default: { type: 'text', text: 'hi' } },
    });
    const backreference = await server.call('POST', '/v1/apply', {
      campaigns: [inboundCampaign('echo', ['^ok$', '(\\w)\\1'])],
    });
    expect(backreference.status).toBe(400);
    expect(backreference.body.errors).toEqual([
      {
        field: 'campaigns[echo].trigger.trigger_words[1]',
        message: expect.stringMatching(
          /^'campaigns\[echo\]\.trigger\.trigger_words\[1\]' cannot run on the linear-time \(RE2\) engine .*backreferences/,
        ),
      },
    ]);
    const lookahead = await server.call('PUT', '/v1/campaigns/look', {
      ...cartReminder,
      id: 'look',
      trigger: { type: 'custom_event', event: 'x', filters: [{ property: 'sku', op: 'regex', value: 'a(?=b)' }] },
    });
    expect(lookahead.status).toBe(400);
    expect(lookahead.body.errors[0].field).toBe('campaigns[look].trigger.filters');
    expect(lookahead.body.errors[0].message).toMatch(
      /'campaigns\[look\]\.trigger\.filters\[0\]\.value' .*\(RE2\) engine/,
    );
    expect((await server.call('GET', '/v1/campaigns/echo')).status).toBe(404);
    expect((await server.call('GET', '/v1/campaigns/look')).status).toBe(404);
    const linear = await server.call('PUT', '/v1/campaigns/echo', inboundCampaign('echo', ['(a+)+$']));
    expect(linear.status).toBe(201);
    expect((await server.call('DELETE', '/v1/campaigns/echo')).status).toBe(204);
  });

  test('a send that comes due after the campaign was paused, or the user deleted, is suppressed with its reason', async () => {
    const campaign = { ...cartReminder, id: 'pausable', exceptions: [], reeligibility: { after_seconds: 0 } };
    expect((await server.call('PUT', '/v1/campaigns/pausable', campaign)).status).toBe(201);
    await track({
      attributes: [
        { external_id: 'p1', line_id: 'U00000000000000000000000000000011' },
        { external_id: 'p2', line_id: 'U00000000000000000000000000000012' },
      ],
      events: ['p1', 'p2'].map((u) => ({
        external_id: u,
        name: 'added_to_cart',
        time: '2026-03-06T08:00:00Z',
        properties: { cart_value: 999 },
      })),
    });
    const p2 = await userId('p2');
    expect((await server.call('POST', '/users/delete', { external_ids: ['p2'] })).status).toBe(201);
    clock.advance(3_600_000);
    await worker.runDue();
    const p2Timeline = (await server.call('GET', `/v1/users/${p2}/timeline?campaign_id=pausable`)).body.timeline;
    expect(p2Timeline[0]).toMatchObject({ outcome: 'suppressed', reason: 'user_deleted' });

    await track({
      events: [
        { external_id: 'p1', name: 'added_to_cart', time: '2026-03-06T09:00:00Z', properties: { cart_value: 999 } },
      ],
    });
    expect((await server.call('PUT', '/v1/campaigns/pausable', { ...campaign, status: 'paused' })).status).toBe(200);
    clock.advance(3_600_000);
    await worker.runDue();
    const p1Timeline = (await server.call('GET', `/v1/users/${await userId('p1')}/timeline?campaign_id=pausable`)).body
      .timeline;
    expect(
      p1Timeline
        .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome))
        .reverse(),
    ).toEqual(['triggered', 'scheduled', 'sent', 'triggered', 'scheduled', 'suppressed:campaign_inactive']);
  });

  test('a sandbox channel delivers in the scheduler’s transaction: no outbox round, the same records', async () => {
    const applied = await server.call('POST', '/v1/apply', {
      channels: [{ id: 'line-test', type: 'line', sandbox: true }],
      campaigns: [
        {
          id: 'sandboxed',
          name: 'Sandboxed',
          status: 'active',
          trigger: { type: 'api' },
          message: { channel: 'line-test', default: { type: 'text', text: 'Hello {{${first_name}}}' } },
        },
      ],
    });
    expect(applied.status).toBe(200);
    await track({
      attributes: [{ external_id: 's1', first_name: 'Mei', line_id: 'U00000000000000000000000000000051' }],
    });
    expect(
      (
        await server.call('POST', '/campaigns/trigger/send', {
          campaign_id: 'sandboxed',
          recipients: [{ external_user_id: 's1' }],
        })
      ).status,
    ).toBe(201);

    expect(await worker.runDue()).toBe(1);
    const messages = (await server.call('GET', '/v1/messages?campaign_id=sandboxed')).body.messages;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ state: 'sent', attempts: 1, to: 'U00000000000000000000000000000051' });
    const sandbox = (await server.call('GET', '/v1/sandbox/messages?to=U00000000000000000000000000000051')).body
      .messages;
    expect(sandbox.map((m: { payload: { messages: [{ text: string }] } }) => m.payload.messages[0].text)).toEqual([
      'Hello Mei',
    ]);
    const timeline = (await server.call('GET', `/v1/users/${await userId('s1')}/timeline?campaign_id=sandboxed`)).body
      .timeline;
    expect(timeline.map((t: { outcome: string }) => t.outcome).reverse()).toEqual(['triggered', 'scheduled', 'sent']);
    expect(await worker.runDue()).toBe(0);
  });

  test('broadcast triggers the campaign for its whole audience, and only for it; with recipients it is refused', async () => {
    const applied = await server.call('POST', '/v1/apply', {
      campaigns: [
        {
          id: 'vip-news',
          name: 'VIP news',
          status: 'active',
          trigger: { type: 'api' },
          audience: { filters: [{ attribute: 'tier', op: 'eq', value: 'vip' }] },
          message: {
            channel: 'line-main',
            default: { type: 'text', text: 'News {{ api.edition }} for {{${first_name}}}' },
          },
        },
      ],
    });
    expect(applied.status).toBe(200);
    await track({
      attributes: [
        { external_id: 'b1', first_name: 'Rin', tier: 'vip', line_id: 'U000000000000000000000000000000b1' },
        { external_id: 'b2', first_name: 'Sora', tier: 'basic', line_id: 'U000000000000000000000000000000b2' },
        { external_id: 'b3', first_name: 'Taro', tier: 'vip', line_id: 'U000000000000000000000000000000b3' },
      ],
    });
    const refused = await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'vip-news',
      broadcast: true,
      recipients: [{ external_user_id: 'b1' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].field).toBe('recipients');

    const sent = await server.call('POST', '/campaigns/trigger/send', {
      campaign_id: 'vip-news',
      broadcast: true,
      trigger_properties: { edition: 'May' },
    });
    expect(sent.status).toBe(201);
    await worker.runDue();
    const texts = (await server.call('GET', '/v1/messages?campaign_id=vip-news')).body.messages
      .map((m: { to: string; payload: { messages: [{ text: string }] } }) => `${m.to}: ${m.payload.messages[0].text}`)
      .sort();
    expect(texts).toEqual([
      'U000000000000000000000000000000b1: News May for Rin',
      'U000000000000000000000000000000b3: News May for Taro',
    ]);
    expect(
      (await server.call('GET', `/v1/users/${await userId('b2')}/timeline?campaign_id=vip-news`)).body.timeline,
    ).toEqual([]);
    expect((await server.call('GET', '/v1/campaigns/vip-news/stats')).body).toMatchObject({ campaign_id: 'vip-news' });
  });

  test('deleting a user deletes their campaign history; their pending send is suppressed as user_deleted', async () => {
    const line = 'U000000000000000000000000000000d1';
    await track({
      attributes: [{ external_id: 'd1', line_id: line }],
      events: [
        { external_id: 'd1', name: 'added_to_cart', time: '2026-03-06T08:00:00Z', properties: { cart_value: 300 } },
      ],
    });
    const id = await userId('d1');
    expect(await outcomes('d1')).toEqual(['triggered', 'scheduled']);
    const before = (await server.call('GET', '/v1/campaigns/cart-reminder/stats')).body.reasons.user_deleted ?? 0;

    expect((await server.call('POST', '/users/delete', { external_ids: ['d1'] })).status).toBe(201);
    expect((await server.call('GET', `/v1/users/${id}/timeline`)).body.timeline).toEqual([]);
    clock.advance(3_600_000);
    await worker.runDue();
    expect((await server.call('GET', '/v1/campaigns/cart-reminder/stats')).body.reasons.user_deleted).toBe(before + 1);
    expect((await server.call('GET', `/v1/sandbox/messages?to=${line}`)).body.messages).toEqual([]);
    const timeline = (await server.call('GET', `/v1/users/${id}/timeline`)).body.timeline;
    expect(timeline.map((t: { outcome: string; reason: string }) => [t.outcome, t.reason])).toEqual([
      ['suppressed', 'user_deleted'],
    ]);
  });

  test('identifying an alias into an existing profile brings its pending send and timeline along', async () => {
    const alias = { alias_label: 'cookie', alias_name: 'c-77' };
    await track({
      attributes: [
        { external_id: 'known', first_name: 'Kei' },
        { user_alias: alias, line_id: 'U000000000000000000000000000000e1', _update_existing_only: false },
      ],
      events: [
        { user_alias: alias, name: 'added_to_cart', time: '2026-03-06T08:00:00Z', properties: { cart_value: 200 } },
      ],
    });
    const aliasUser = (await server.call('GET', '/v1/users?alias_label=cookie&alias_name=c-77')).body.users[0];
    const identified = await server.call('POST', '/users/identify', {
      aliases_to_identify: [{ external_id: 'known', user_alias: alias }],
    });
    expect(identified.body).toMatchObject({ aliases_processed: 1 });
    expect((await server.call('GET', `/v1/users/${aliasUser.id}/timeline`)).body.timeline).toEqual([]);
    expect(await outcomes('known')).toEqual(['triggered', 'scheduled']);
    expect(identified.status).toBe(201);
    clock.advance(3_600_000);
    await worker.runDue();
    expect(await outcomes('known')).toEqual(['triggered', 'scheduled', 'sent']);
    const sandbox = (await server.call('GET', '/v1/sandbox/messages?to=U000000000000000000000000000000e1')).body
      .messages;
    expect(sandbox.map((m: { payload: { messages: [{ text: string }] } }) => m.payload.messages[0].text)).toEqual([
      'Hi Kei, your cart is waiting (200)',
    ]);
  });

  test('a merge that leaves two pending sends of one campaign cancels the later-triggered one as already_pending: one message', async () => {
    const alias = { alias_label: 'cookie', alias_name: 'c-88' };
    const lineId = 'U000000000000000000000000000000e2';
    // The anonymous visitor's cart first, then the known customer's (both with a LINE ID).
    await track({
      attributes: [{ user_alias: alias, line_id: lineId, _update_existing_only: false }],
      events: [
        { user_alias: alias, name: 'added_to_cart', time: '2026-03-06T08:00:00Z', properties: { cart_value: 150 } },
      ],
    });
    clock.advance(60_000);
    await track({
      attributes: [{ external_id: 'twice', first_name: 'Rin', line_id: lineId }],
      events: [
        {
          external_id: 'twice',
          name: 'added_to_cart',
          time: new Date(clock.now()).toISOString(),
          properties: { cart_value: 400 },
        },
      ],
    });
    const aliasUser = (await server.call('GET', '/v1/users?alias_label=cookie&alias_name=c-88')).body.users[0];
    expect(
      (
        await server.call('POST', '/users/identify', {
          aliases_to_identify: [{ external_id: 'twice', user_alias: alias }],
        })
      ).status,
    ).toBe(201);

    const timeline = (await server.call('GET', `/v1/users/${await userId('twice')}/timeline?campaign_id=cart-reminder`))
      .body.timeline as Array<{ outcome: string; reason: string | null; merged_from?: string; entry_id: string }>;
    const cancelled = timeline.filter((t) => t.outcome === 'cancelled');
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]).toMatchObject({ reason: 'already_pending', merged_from: aliasUser.id });
    // The one kept is the visitor's, triggered first; the customer's own (cart 400) is the one cancelled.
    const scheduled = timeline.filter((t) => t.outcome === 'scheduled');
    expect(scheduled).toHaveLength(2);
    expect(await outcomes('twice')).toEqual([
      'triggered',
      'scheduled',
      'triggered',
      'scheduled',
      'cancelled:already_pending',
    ]);

    clock.advance(3_600_000);
    await worker.runDue();
    const sandbox = (await server.call('GET', `/v1/sandbox/messages?to=${lineId}`)).body.messages;
    expect(sandbox.map((m: { payload: { messages: [{ text: string }] } }) => m.payload.messages[0].text)).toEqual([
      'Hi Rin, your cart is waiting (150)',
    ]);
    expect((await outcomes('twice')).filter((o: string) => o === 'sent')).toHaveLength(1);
  });
});
