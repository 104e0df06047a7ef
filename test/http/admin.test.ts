import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { ADMIN_KEY, startTestServer, type TestServer } from '../support/server.ts';

describeEachStore('admin API and service routes', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server.close();
  });

  test('settings: defaults, patch, read back', async () => {
    expect((await server.call('GET', '/v1/settings')).body).toEqual({
      company_time_zone: 'UTC',
      default_country: 'US',
      public_url: null,
    });
    const patched = await server.call('PATCH', '/v1/settings', {
      company_time_zone: 'Europe/Paris',
      public_url: 'https://tidings.example.com',
    });
    expect(patched.body).toEqual({
      company_time_zone: 'Europe/Paris',
      default_country: 'US',
      public_url: 'https://tidings.example.com',
    });
    expect((await server.call('GET', '/v1/settings')).body.company_time_zone).toBe('Europe/Paris');
  });

  test('api keys: shown once, stored hashed, usable, deletable', async () => {
    const created = await server.call('POST', '/v1/api_keys', { name: 'backend', permissions: ['users.track'] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^tdg_[A-Za-z0-9_-]{43}$/);
    const listed = await server.call('GET', '/v1/api_keys');
    const entry = listed.body.api_keys.find((k: { name: string }) => k.name === 'backend');
    expect(entry).toEqual({
      id: created.body.id,
      name: 'backend',
      permissions: ['users.track'],
      created_at: expect.any(String),
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    const stored = await server.engine.store.read((r) => r.listApiKeys());
    expect(stored.some((k) => k.hash.includes(created.body.key) || k.hash === created.body.key)).toBe(false);
    expect(
      (await server.call('POST', '/users/track', { attributes: [{ external_id: 'k' }] }, { key: created.body.key }))
        .status,
    ).toBe(201);
    expect((await server.call('DELETE', `/v1/api_keys/${created.body.id}`)).status).toBe(204);
    expect(
      (await server.call('POST', '/users/track', { attributes: [{ external_id: 'k' }] }, { key: created.body.key }))
        .status,
    ).toBe(401);
    const bad = await server.call('POST', '/v1/api_keys', { name: 'x', permissions: ['users.everything'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('permissions[0]');
  });

  test('subscription groups: put, get, list, replace, keyword rules, delete', async () => {
    const group = {
      name: 'SMS',
      channel_type: 'sms',
      keyword_categories: [{ category: 'promo', keywords: ['deals', 'ｓａｌｅ'], reply: 'Deals!' }],
    };
    const created = await server.call('PUT', '/v1/subscription_groups/sms-main', group);
    expect(created.status).toBe(201);
    expect(created.body.keyword_categories[0].keywords).toEqual(['DEALS', 'SALE']);
    expect((await server.call('PUT', '/v1/subscription_groups/sms-main', { ...group, name: 'SMS 2' })).status).toBe(
      200,
    );
    expect((await server.call('GET', '/v1/subscription_groups/sms-main')).body.name).toBe('SMS 2');
    expect(
      (await server.call('GET', '/v1/subscription_groups')).body.subscription_groups.map((g: { id: string }) => g.id),
    ).toContain('sms-main');
    const reserved = await server.call('PUT', '/v1/subscription_groups/bad', {
      ...group,
      keyword_categories: [{ category: 'x', keywords: ['stop'] }],
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.errors[0].field).toBe('keyword_categories[0].keywords[0]');
    // Words added to the families: kept upper-case; a built-in word, or one already taken, names its field.
    const french = await server.call('PUT', '/v1/subscription_groups/sms-fr', {
      ...group,
      opt_out_keywords: ['arrêt'],
      opt_in_keywords: ['ALTA'],
      help_keywords: ['aide'],
    });
    expect(french.status).toBe(201);
    expect(french.body).toMatchObject({
      opt_out_keywords: ['ARRÊT'],
      opt_in_keywords: ['ALTA'],
      help_keywords: ['AIDE'],
    });
    const builtIn = await server.call('PUT', '/v1/subscription_groups/bad', {
      ...group,
      opt_out_keywords: ['ARRET', 'start'],
    });
    expect(builtIn.status).toBe(400);
    expect(builtIn.body.errors).toEqual([
      { field: 'opt_out_keywords[1]', message: "'START' is a built-in opt-in, opt-out or help keyword" },
    ]);
    const taken = await server.call('PUT', '/v1/subscription_groups/bad', { ...group, opt_in_keywords: ['DEALS'] });
    expect(taken.status).toBe(400);
    expect(taken.body.errors).toEqual([
      { field: 'keyword_categories[0].keywords[0]', message: "'DEALS' is already a keyword of opt-in" },
    ]);
    expect((await server.call('GET', '/v1/subscription_groups/bad')).status).toBe(404);
    const badType = await server.call('PUT', '/v1/subscription_groups/bad', { name: 'x', channel_type: 'fax' });
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].field).toBe('channel_type');
    const badId = await server.call('PUT', '/v1/subscription_groups/Bad%20Id', { name: 'x', channel_type: 'sms' });
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe('id');
    expect((await server.call('DELETE', '/v1/subscription_groups/sms-main')).status).toBe(204);
    expect((await server.call('DELETE', '/v1/subscription_groups/sms-main')).status).toBe(404);
  });

  test('user lookups by every identifier', async () => {
    await server.call('POST', '/users/track', {
      attributes: [
        {
          external_id: 'look',
          email: 'look@example.com',
          phone: '+819012345678',
          line_id: 'U4af4980629a1b2c3d4e5f60718293a4b',
        },
      ],
    });
    await server.call('POST', '/users/alias/new', {
      user_aliases: [{ external_id: 'look', alias_name: 'n', alias_label: 'l' }],
    });
    const [byExternal] = (await server.call('GET', '/v1/users?external_id=look')).body.users;
    for (const query of [
      'email=LOOK@example.com',
      'phone=%2B819012345678',
      'line_id=U4af4980629a1b2c3d4e5f60718293a4b',
      'alias_label=l&alias_name=n',
    ]) {
      const reply = await server.call('GET', `/v1/users?${query}`);
      expect(
        reply.body.users.map((u: { id: string }) => u.id),
        query,
      ).toEqual([byExternal.id]);
    }
    expect((await server.call('GET', `/v1/users/${byExternal.id}`)).body.external_id).toBe('look');
    const ambiguous = await server.call('GET', '/v1/users?external_id=a&email=b@c.de');
    expect(ambiguous.status).toBe(400);
    const halfAlias = await server.call('GET', '/v1/users?alias_label=l');
    expect(halfAlias.body.errors[0].field).toBe('alias_name');
  });

  test('healthz, readyz, metrics, openapi, docs', async () => {
    expect((await server.call('GET', '/healthz', undefined, { key: null })).body).toEqual({ status: 'ok' });
    expect((await server.call('GET', '/readyz', undefined, { key: null })).body).toEqual({
      status: 'ready',
      store: kind,
    });
    await server.call('POST', '/users/track', {
      events: [
        { external_id: 'm', name: 'e', time: '2026-03-01T00:00:00Z' },
        { external_id: 'm', name: 'e', time: '2026-03-01T00:00:00Z' },
      ],
    });
    const metrics = await server.call('GET', '/metrics', undefined, { key: null });
    expect(metrics.body).toMatch(/tidings_events_ingested_total\{kind="custom"\} 2/);
    expect(metrics.body).toMatch(
      /tidings_http_requests_total\{method="POST",route="\/users\/track",status="201"\} \d+/,
    );
    expect(metrics.body).toMatch(/tidings_http_request_duration_seconds_bucket/);
    const openapi = await server.call('GET', '/openapi.json', undefined, { key: null });
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/users/track',
        '/users/identify',
        '/v1/settings',
        '/v1/users/{id}',
        '/subscription/status/set',
        '/campaigns/trigger/send',
        '/v1/campaigns/{id}',
        '/v1/apply',
        '/v1/users/{id}/timeline',
        '/v1/sandbox/messages',
      ]),
    );
    expect(
      openapi.body.paths['/v1/campaigns/{id}'].put.requestBody.content['application/json'].schema.properties.trigger,
    ).toBeDefined();
    expect(
      openapi.body.paths['/users/track'].post.requestBody.content['application/json'].schema.properties.events.maxItems,
    ).toBe(75);
    expect(openapi.body.components.schemas.TrackEvent.required).toEqual(['name', 'time']);
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    expect(ADMIN_KEY).toBe('test-admin-key');
  });
});
