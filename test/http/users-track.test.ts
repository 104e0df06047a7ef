import { afterEach, beforeEach, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const T = '2026-03-06T07:00:00Z';

describeEachStore('POST /users/track', (kind) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(kind);
  });
  afterEach(async () => {
    await server.close();
  });

  const user = async (query: string) => (await server.call('GET', `/v1/users?${query}`)).body.users;

  test('attributes, events and purchases are committed when the response arrives', async () => {
    await server.call('PUT', '/v1/subscription_groups/sms-marketing', { name: 'SMS marketing', channel_type: 'sms' });
    const reply = await server.call('POST', '/users/track', {
      attributes: [
        {
          external_id: 'u1',
          first_name: 'Ann',
          email: 'Ann@Example.com',
          phone: '(415) 555-2671',
          time_zone: 'Asia/Tokyo',
          country: 'jp',
          language: 'ja',
          dob: '1990-02-28',
          gender: 'f',
          plan: 'gold',
          visits: { inc: 2 },
          tags: ['a', 'b'],
          subscription_groups: [{ subscription_group_id: 'sms-marketing', subscription_state: 'subscribed' }],
        },
      ],
      events: [{ external_id: 'u1', name: 'added_to_cart', time: T, properties: { cart_value: 150, sku: 'X-1' } }],
      purchases: [{ external_id: 'u1', product_id: 'shoe', currency: 'jpy', price: 1200, quantity: 2, time: T }],
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      message: 'success',
      attributes_processed: 1,
      events_processed: 1,
      purchases_processed: 1,
    });

    const [u] = await user('external_id=u1');
    expect(u).toMatchObject({
      external_id: 'u1',
      first_name: 'Ann',
      email: 'ann@example.com',
      phone: '+14155552671',
      time_zone: 'Asia/Tokyo',
      country: 'JP',
      language: 'ja',
      dob: '1990-02-28',
      gender: 'F',
      custom_attributes: { plan: 'gold', visits: 2, tags: ['a', 'b'] },
      subscription_groups: [{ id: 'sms-marketing', state: 'subscribed' }],
    });
    const events = await server.engine.store.read((r) => r.listEvents(u.id));
    expect(events.map((e) => e.name).sort()).toEqual([
      'added_to_cart',
      'email_added',
      'purchase',
      'subscription_changed',
    ]);
    const purchase = events.find((e) => e.name === 'purchase')!;
    expect(purchase.purchase).toEqual({ product_id: 'shoe', currency: 'JPY', price: 1200, quantity: 2 });
    expect(events.find((e) => e.name === 'added_to_cart')!.properties).toEqual({ cart_value: 150, sku: 'X-1' });
  });

  test('custom attribute operations: inc, add, remove, null, nested', async () => {
    const track = (attrs: Record<string, unknown>) =>
      server.call('POST', '/users/track', { attributes: [{ external_id: 'u2', ...attrs }] });
    await track({ n: 1, list: ['a', 'b', 'c'], gone: 'x', profile: { pet: { name: 'Rex' } } });
    await track({ n: { inc: 5 }, list: { add: ['a', 'd'], remove: ['b'] }, gone: null });
    const [u] = await user('external_id=u2');
    expect(u.custom_attributes).toEqual({ n: 6, list: ['c', 'a', 'd'], profile: { pet: { name: 'Rex' } } });
  });

  test('a bad object is skipped and named; the rest is processed', async () => {
    const reply = await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 'ok', first_name: 'Bo' },
        { first_name: 'nobody' },
        { external_id: 'tz', time_zone: 'Mars/Olympus' },
        { external_id: 'ph', phone: '12' },
        { external_id: 'inc', n: { inc: 'x' } },
      ],
      events: [
        { external_id: 'ok', name: 'e1', time: T },
        { external_id: 'ok', name: 'e2' },
        { external_id: 'ok', name: 'e3', time: T, properties: { $bad: 1 } },
      ],
    });
    expect(reply.status).toBe(201);
    expect(reply.body.attributes_processed).toBe(1);
    expect(reply.body.events_processed).toBe(1);
    expect(reply.body.errors).toEqual([
      {
        type: expect.stringContaining("'external_id' or 'braze_id' or 'user_alias'"),
        input_array: 'attributes',
        index: 1,
      },
      { type: expect.stringContaining("'time_zone'"), input_array: 'attributes', index: 2 },
      { type: expect.stringContaining("'phone'"), input_array: 'attributes', index: 3 },
      { type: expect.stringContaining("'n'"), input_array: 'attributes', index: 4 },
      { type: expect.stringContaining("'time' is required"), input_array: 'events', index: 1 },
      { type: expect.stringContaining("'properties.$bad'"), input_array: 'events', index: 2 },
    ]);
    expect(await user('external_id=tz')).toEqual([]);
    expect(await user('external_id=ph')).toEqual([]);
    expect(await user('external_id=inc')).toEqual([]);
  });

  test('more than 75 objects in an array: 400 Max Input Length Exceeded, nothing written', async () => {
    const events = Array.from({ length: 76 }, (_, i) => ({ external_id: `m${i}`, name: 'e', time: T }));
    const reply = await server.call('POST', '/users/track', { attributes: [{ external_id: 'm-attr', a: 1 }], events });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toBe('Max Input Length Exceeded');
    expect(reply.body.errors[0].field).toBe('events');
    expect(await user('external_id=m-attr')).toEqual([]);
    expect(await server.engine.store.read((r) => r.countUsers())).toBe(0);
  });

  test('_update_existing_only and aliases follow Braze', async () => {
    const alias = { alias_name: 'anon-1', alias_label: 'cookie' };
    let reply = await server.call('POST', '/users/track', { attributes: [{ user_alias: alias, a: 1 }] });
    expect(reply.body.errors[0].type).toContain('_update_existing_only is true');
    reply = await server.call('POST', '/users/track', { events: [{ user_alias: alias, name: 'e', time: T }] });
    expect(reply.body.errors[0].type).toContain('never create an alias-only user');
    reply = await server.call('POST', '/users/track', {
      attributes: [{ user_alias: alias, _update_existing_only: false, a: 1 }],
    });
    expect(reply.body).toEqual({ message: 'success', attributes_processed: 1 });
    reply = await server.call('POST', '/users/track', { events: [{ user_alias: alias, name: 'e', time: T }] });
    expect(reply.body).toEqual({ message: 'success', events_processed: 1 });
    reply = await server.call('POST', '/users/track', {
      attributes: [{ external_id: 'new', _update_existing_only: true, a: 1 }],
    });
    expect(reply.body.errors[0].type).toContain("no user has external_id 'new'");
    const [u] = await user('alias_label=cookie&alias_name=anon-1');
    expect(u.external_id).toBeNull();
    expect(u.user_aliases).toEqual([alias]);
  });

  test('email and phone identify the user; email wins; the most recently updated identified profile is taken', async () => {
    server.clock.now = (() => {
      let t = Date.parse(T);
      return () => (t += 1000);
    })();
    await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 'a', email: 'shared@example.com' },
        { external_id: 'b', email: 'shared@example.com' },
      ],
    });
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'a', x: 1 }] });
    await server.call('POST', '/users/track', {
      attributes: [{ email: 'shared@example.com', phone: '+14155550100', picked: true }],
    });
    expect((await user('external_id=a'))[0].custom_attributes).toEqual({ x: 1, picked: true });
    expect((await user('external_id=b'))[0].custom_attributes).toEqual({});
    // An email nobody has creates an email-only profile.
    await server.call('POST', '/users/track', { events: [{ email: 'fresh@example.com', name: 'signup', time: T }] });
    const [fresh] = await user('email=fresh@example.com');
    expect(fresh.external_id).toBeNull();
  });

  test('a future event time is recorded as now', async () => {
    await server.call('POST', '/users/track', {
      events: [
        { external_id: 'f', name: 'e', time: '2030-01-01T00:00:00Z' },
        { external_id: 'f', name: 'p', time: '2026-03-01T10:00:00:123Z' },
      ],
    });
    const [u] = await user('external_id=f');
    const events = await server.engine.store.read((r) => r.listEvents(u.id));
    expect(events.map((e) => [e.name, new Date(e.time).toISOString()]).sort()).toEqual([
      ['e', '2026-03-06T08:00:00.000Z'],
      ['p', '2026-03-01T10:00:00.123Z'],
    ]);
  });

  test('phones are read with the workspace default_country', async () => {
    await server.call('PATCH', '/v1/settings', { default_country: 'JP' });
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'jp', phone: '090-1234-5678' }] });
    const [u] = await user('phone=09012345678');
    expect(u.phone).toBe('+819012345678');
  });
});
