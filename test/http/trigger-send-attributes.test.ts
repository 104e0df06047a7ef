import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describeEachStore('/campaigns/trigger/send refuses bad recipient attributes', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
    const applied = await server.call('POST', '/v1/apply', {
      channels: [{ id: 'line-main', type: 'line' }],
      campaigns: [
        {
          id: 'promo',
          name: 'API promo',
          status: 'active',
          trigger: { type: 'api' },
          message: { channel: 'line-main', default: { type: 'text', text: 'Hi {{${first_name}}}' } },
        },
      ],
    });
    expect(applied.status).toBe(200);
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`attr_${i}`, i]));
    const tracked = await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 'fine', first_name: 'Aiko', line_id: 'U00000000000000000000000000000001' },
        { external_id: 'counter', visits: Number.MAX_SAFE_INTEGER - 1 },
        { external_id: 'full', ...many },
      ],
    });
    expect(tracked.body.errors).toBeUndefined();
  });
  afterAll(async () => {
    await server.close();
  });

  const profile = async (externalId: string) =>
    (await server.call('GET', `/v1/users?external_id=${externalId}`)).body.users[0];
  const promoTimeline = async (externalId: string) =>
    (await server.call('GET', `/v1/users/${(await profile(externalId)).id}/timeline?campaign_id=promo`)).body.timeline;
  const send = (recipients: unknown[]) =>
    server.call('POST', '/campaigns/trigger/send', { campaign_id: 'promo', recipients });

  test('an inc that would overflow is a 400 naming the recipient and attribute; no recipient is written or triggered', async () => {
    const reply = await send([
      { external_user_id: 'fine', attributes: { first_name: 'Changed' } },
      { external_user_id: 'counter', attributes: { visits: { inc: 10 } } },
    ]);
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([
      { field: 'recipients[1].attributes.visits', message: expect.stringContaining('beyond') },
    ]);
    expect((await profile('fine')).first_name).toBe('Aiko');
    expect((await profile('counter')).custom_attributes.visits).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(await promoTimeline('fine')).toEqual([]);
  });

  test('an unknown time zone on a user to be created is refused and the user is not created', async () => {
    const reply = await send([
      { external_user_id: 'newcomer', send_to_existing_only: false, attributes: { time_zone: 'Mars/Olympus' } },
    ]);
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([
      { field: 'recipients[0].attributes.time_zone', message: expect.stringContaining('IANA time zone') },
    ]);
    expect((await server.call('GET', '/v1/users?external_id=newcomer')).body.users).toEqual([]);
  });

  test('a 1,001st custom attribute is refused; every bad field of every recipient is named', async () => {
    const reply = await send([
      { external_user_id: 'full', attributes: { one_too_many: true, attr_1: 'replaced' } },
      { external_user_id: 'fine', attributes: { gender: 'X', first_name: 'Changed' } },
    ]);
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([
      { field: 'recipients[0].attributes.one_too_many', message: expect.stringContaining('1000 custom attributes') },
      { field: 'recipients[1].attributes.gender', message: expect.stringContaining('M, F, O, N, P') },
    ]);
    const full = await profile('full');
    expect(full.custom_attributes.attr_1).toBe(1);
    expect(full.custom_attributes.one_too_many).toBeUndefined();
    expect((await profile('fine')).first_name).toBe('Aiko');
  });

  test('a lone surrogate in an attribute is refused with the field named', async () => {
    const reply = await server.call('POST', '/campaigns/trigger/send', undefined, {
      raw: '{"campaign_id":"promo","recipients":[{"external_user_id":"fine","attributes":{"first_name":"\\ud800"}}]}',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].field).toBe('recipients[0].attributes.first_name');
    expect((await profile('fine')).first_name).toBe('Aiko');
  });

  test('valid attributes are still applied and the recipient triggered; a missing existing-only recipient is skipped', async () => {
    const reply = await send([
      { external_user_id: 'fine', attributes: { first_name: 'Ken' } },
      { external_user_id: 'nobody', attributes: { first_name: 'Ghost' } },
    ]);
    expect(reply.status).toBe(201);
    expect((await profile('fine')).first_name).toBe('Ken');
    expect((await promoTimeline('fine')).length).toBeGreaterThan(0);
    expect((await server.call('GET', '/v1/users?external_id=nobody')).body.users).toEqual([]);
  });
});
