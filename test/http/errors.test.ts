import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describeEachStore('rejected requests name the problem and write nothing', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { bodyLimit: 4096 });
  });
  afterAll(async () => {
    await server.close();
  });

  const nothingWritten = async () => expect(await server.engine.store.read((r) => r.countUsers())).toBe(0);
  const body = { attributes: [{ external_id: 'x', a: 1 }] };

  test('no key: 401', async () => {
    const reply = await server.call('POST', '/users/track', body, { key: null });
    expect(reply.status).toBe(401);
    expect(reply.body.message).toContain('Authorization: Bearer');
    await nothingWritten();
  });

  test('unknown key: 401', async () => {
    const reply = await server.call('POST', '/users/track', body, { key: 'nope' });
    expect(reply.status).toBe(401);
    expect(reply.body.message).toBe('Invalid API key');
    await nothingWritten();
  });

  test('key without the permission: 403 naming it', async () => {
    const created = await server.call('POST', '/v1/api_keys', { name: 'exporter', permissions: ['users.export.ids'] });
    expect(created.status).toBe(201);
    const reply = await server.call('POST', '/users/track', body, { key: created.body.key });
    expect(reply.status).toBe(403);
    expect(reply.body.message).toContain("'users.track'");
    const admin = await server.call('GET', '/v1/settings', undefined, { key: created.body.key });
    expect(admin.status).toBe(403);
    expect(admin.body.message).toContain("'admin'");
    await nothingWritten();
  });

  test('bad JSON: 400', async () => {
    const reply = await server.call('POST', '/users/track', undefined, { raw: '{"attributes": [' });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain('not valid JSON');
    await nothingWritten();
  });

  test('wrong types: 400 naming the field', async () => {
    const reply = await server.call('POST', '/users/track', { attributes: { external_id: 'x' } });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ field: 'attributes', message: 'must be array' }]);
    const unknown = await server.call('POST', '/users/track', { atributes: [] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'atributes', message: 'is not a known field' }]);
    await nothingWritten();
  });

  test('body over the limit: 413', async () => {
    const reply = await server.call('POST', '/users/track', {
      attributes: [{ external_id: 'x', blob: 'y'.repeat(5000) }],
    });
    expect(reply.status).toBe(413);
    expect(reply.body.message).toContain('4096 bytes');
    await nothingWritten();
  });

  test('wrong content type: 415', async () => {
    const reply = await server.call('POST', '/users/track', undefined, {
      raw: 'external_id=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(reply.status).toBe(415);
    expect(reply.body.message).toContain('application/json');
    await nothingWritten();
  });

  test('unknown id: 404; unknown route: 404', async () => {
    expect((await server.call('GET', '/v1/users/01NOPE')).status).toBe(404);
    expect((await server.call('GET', '/v1/subscription_groups/none')).status).toBe(404);
    const route = await server.call('GET', '/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body.message).toContain('/v1/nothing-here');
  });

  test('invalid settings: 400 naming the field, settings unchanged', async () => {
    const reply = await server.call('PATCH', '/v1/settings', { company_time_zone: 'Mars/Base', default_country: 'US' });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ field: 'company_time_zone', message: expect.stringContaining('IANA') }]);
    const settings = await server.call('GET', '/v1/settings');
    expect(settings.body).toEqual({ company_time_zone: 'UTC', default_country: 'US', public_url: null });
  });

  test('more than 50 ids: 400', async () => {
    const reply = await server.call('POST', '/users/delete', {
      external_ids: Array.from({ length: 51 }, (_, i) => `u${i}`),
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].field).toBe('external_ids');
  });

  test('subscription status for unknown users: 400 naming them, nothing changed', async () => {
    await server.call('PUT', '/v1/subscription_groups/news', { name: 'News', channel_type: 'email' });
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'known' }] });
    const reply = await server.call('POST', '/subscription/status/set', {
      subscription_group_id: 'news',
      subscription_state: 'subscribed',
      external_id: ['known', 'ghost'],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ field: 'external_id[1]', message: "no user has external_id 'ghost'" }]);
    const [u] = (await server.call('GET', '/v1/users?external_id=known')).body.users;
    expect(u.subscription_groups).toEqual([]);
    const both = await server.call('POST', '/subscription/status/set', {
      subscription_group_id: 'news',
      subscription_state: 'subscribed',
      email: 'a@b.co',
      phone: '+14155550100',
    });
    expect(both.body.message).toBe('Either an email address or a phone number should be provided, but not both.');
  });
});
