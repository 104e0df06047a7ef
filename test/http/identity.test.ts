import { afterEach, beforeEach, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const T = '2026-03-06T07:00:00Z';

describeEachStore('aliases, identify, delete, export, subscription status', (kind) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(kind);
  });
  afterEach(async () => {
    await server.close();
  });

  const find = async (query: string) => (await server.call('GET', `/v1/users?${query}`)).body.users;
  const eventsOf = (id: string) => server.engine.store.read((r) => r.listEvents(id));

  test('/users/alias/new creates alias-only users or adds an alias to a known user', async () => {
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'u1' }] });
    const reply = await server.call('POST', '/users/alias/new', {
      user_aliases: [
        { alias_name: 'c-1', alias_label: 'cookie' },
        { external_id: 'u1', alias_name: 'L-9', alias_label: 'crm' },
        { external_id: 'ghost', alias_name: 'x', alias_label: 'crm' },
        { alias_name: 'c-1', alias_label: 'cookie' },
      ],
    });
    expect(reply.status).toBe(201);
    expect(reply.body.aliases_processed).toBe(2);
    expect(reply.body.errors).toEqual([
      { type: "no user has external_id 'ghost'", input_array: 'user_aliases', index: 2 },
      { type: expect.stringContaining('already belongs to user'), input_array: 'user_aliases', index: 3 },
    ]);
    expect((await find('alias_label=crm&alias_name=L-9'))[0].external_id).toBe('u1');
    expect((await find('alias_label=cookie&alias_name=c-1'))[0].external_id).toBeNull();
  });

  test('/users/identify writes the external_id on an unidentified profile', async () => {
    const alias = { alias_name: 'anon', alias_label: 'cookie' };
    await server.call('POST', '/users/track', {
      attributes: [{ user_alias: alias, _update_existing_only: false, plan: 'free' }],
    });
    const reply = await server.call('POST', '/users/identify', {
      aliases_to_identify: [{ external_id: 'known', user_alias: alias }],
    });
    expect(reply.body).toEqual({ aliases_processed: 1, message: 'success' });
    const [u] = await find('external_id=known');
    expect(u.user_aliases).toEqual([alias]);
    expect(u.custom_attributes).toEqual({ plan: 'free' });
  });

  test('/users/identify merges into the existing profile: only-source fields copied, events moved, source removed', async () => {
    const alias = { alias_name: 'anon', alias_label: 'cookie' };
    await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 'known', first_name: 'Kim', plan: 'gold' },
        {
          user_alias: alias,
          _update_existing_only: false,
          first_name: 'Anon',
          plan: 'free',
          city_pref: 'Osaka',
          email: 'anon@example.com',
        },
      ],
      events: [
        { external_id: 'known', name: 'k', time: T },
        { user_alias: alias, name: 'a', time: T },
      ],
    });
    const [source] = await find('alias_label=cookie&alias_name=anon');
    const reply = await server.call('POST', '/users/identify', {
      aliases_to_identify: [{ external_id: 'known', user_alias: alias }],
    });
    expect(reply.body).toEqual({ aliases_processed: 1, message: 'success' });
    const [u] = await find('external_id=known');
    expect(u).toMatchObject({
      first_name: 'Kim',
      email: 'anon@example.com',
      custom_attributes: { plan: 'gold', city_pref: 'Osaka' },
      user_aliases: [alias],
    });
    expect((await eventsOf(u.id)).map((e) => e.name).sort()).toEqual(['a', 'email_added', 'k']);
    expect((await server.call('GET', `/v1/users/${source.id}`)).status).toBe(404);
  });

  test('/users/identify does not merge when the target already has an alias with that label', async () => {
    await server.call('POST', '/users/track', { attributes: [{ external_id: 'known' }] });
    await server.call('POST', '/users/alias/new', {
      user_aliases: [
        { external_id: 'known', alias_name: 'c-1', alias_label: 'cookie' },
        { alias_name: 'c-2', alias_label: 'cookie' },
      ],
    });
    const reply = await server.call('POST', '/users/identify', {
      aliases_to_identify: [{ external_id: 'known', user_alias: { alias_name: 'c-2', alias_label: 'cookie' } }],
    });
    expect(reply.body.aliases_processed).toBe(0);
    expect(reply.body.errors[0].type).toContain("already has an alias with label 'cookie'");
    expect(await find('alias_label=cookie&alias_name=c-2')).toHaveLength(1);
  });

  test('/users/identify by email and by phone', async () => {
    await server.call('POST', '/users/track', {
      attributes: [
        { email: 'e@example.com', tier: 1 },
        { phone: '+14155550100', tier: 2 },
      ],
    });
    const reply = await server.call('POST', '/users/identify', {
      emails_to_identify: [
        { external_id: 'by-email', email: 'E@example.com', prioritization: ['unidentified', 'most_recently_updated'] },
      ],
      phone_numbers_to_identify: [{ external_id: 'by-phone', phone: '+1 415 555 0100' }],
    });
    expect(reply.body).toEqual({
      aliases_processed: 0,
      emails_processed: 1,
      phone_numbers_processed: 1,
      message: 'success',
    });
    expect((await find('external_id=by-email'))[0].custom_attributes).toEqual({ tier: 1 });
    expect((await find('external_id=by-phone'))[0].custom_attributes).toEqual({ tier: 2 });
  });

  test('/users/identify at the custom-attribute limit keeps the target full and names what was left out', async () => {
    const own = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`own_${i}`, i]));
    const alias = { alias_name: 'full-anon', alias_label: 'cookie' };
    await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 'full', ...own },
        { user_alias: alias, _update_existing_only: false, zeta: 1, alpha: 2, beta: 3, own_1: 'source' },
      ],
    });
    const reply = await server.call('POST', '/users/identify', {
      aliases_to_identify: [{ external_id: 'full', user_alias: alias }],
    });
    expect(reply.body).toEqual({
      aliases_processed: 1,
      message: 'success',
      notes: [
        {
          type: expect.stringContaining("2 of the merged profile's were left out ('beta', 'zeta')"),
          input_array: 'aliases_to_identify',
          index: 0,
        },
      ],
    });
    const [u] = await find('external_id=full');
    expect(Object.keys(u.custom_attributes)).toHaveLength(1000);
    expect(u.custom_attributes).toMatchObject({ own_1: 1, alpha: 2 });
    expect(u.custom_attributes.beta).toBeUndefined();
    expect(u.user_aliases).toEqual([alias]);
  });

  test('/users/delete removes the profile, its aliases and its events', async () => {
    await server.call('POST', '/users/track', {
      attributes: [{ external_id: 'd1', email: 'd1@example.com' }],
      events: [{ external_id: 'd1', name: 'e', time: T }],
    });
    await server.call('POST', '/users/alias/new', {
      user_aliases: [{ external_id: 'd1', alias_name: 'x', alias_label: 'crm' }],
    });
    const [u] = await find('external_id=d1');
    const reply = await server.call('POST', '/users/delete', { external_ids: ['d1', 'never'] });
    expect(reply.body).toEqual({
      deleted: 1,
      message: 'success',
      errors: [{ type: "no user has external_id 'never'", input_array: 'external_ids', index: 1 }],
    });
    expect(await find('external_id=d1')).toEqual([]);
    expect(await find('alias_label=crm&alias_name=x')).toEqual([]);
    expect(await find('email=d1@example.com')).toEqual([]);
    expect(await eventsOf(u.id)).toEqual([]);
    const byAlias = await server.call('POST', '/users/delete', {
      user_aliases: [{ alias_name: 'x', alias_label: 'crm' }],
    });
    expect(byAlias.body.deleted).toBe(0);
  });

  test('/users/export/ids returns profiles and the ids it did not find', async () => {
    await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 'x1', first_name: 'X', level: 3, email: 'x@example.com' },
        { external_id: 'x2', email: 'x@example.com' },
      ],
    });
    const reply = await server.call('POST', '/users/export/ids', { external_ids: ['x1', 'missing'] });
    expect(reply.status).toBe(201);
    expect(reply.body.invalid_user_ids).toEqual(['missing']);
    expect(reply.body.users).toHaveLength(1);
    expect(reply.body.users[0]).toMatchObject({
      external_id: 'x1',
      first_name: 'X',
      custom_attributes: { level: 3 },
      braze_id: expect.any(String),
    });
    const byEmail = await server.call('POST', '/users/export/ids', {
      email_address: 'x@example.com',
      fields_to_export: ['email'],
    });
    expect(byEmail.body.users.map((u: { external_id: string }) => u.external_id).sort()).toEqual(['x1', 'x2']);
    expect(Object.keys(byEmail.body.users[0]).sort()).toEqual(['braze_id', 'email', 'external_id']);
  });

  test('/subscription/status/set changes every profile sharing the email and records subscription_changed', async () => {
    await server.call('PUT', '/v1/subscription_groups/news', { name: 'News', channel_type: 'email' });
    await server.call('POST', '/users/track', {
      attributes: [
        { external_id: 's1', email: 'same@example.com' },
        { external_id: 's2', email: 'same@example.com' },
      ],
    });
    const reply = await server.call('POST', '/subscription/status/set', {
      subscription_group_id: 'news',
      subscription_state: 'subscribed',
      email: 'same@example.com',
    });
    expect(reply).toMatchObject({ status: 201, body: { message: 'success' } });
    for (const id of ['s1', 's2']) {
      const [u] = await find(`external_id=${id}`);
      expect(u.subscription_groups).toEqual([
        { id: 'news', state: 'subscribed', changed_at: '2026-03-06T08:00:00.000Z' },
      ]);
      const changed = (await eventsOf(u.id)).find((e) => e.name === 'subscription_changed');
      expect(changed?.properties).toEqual({ subscription_group_id: 'news', state: 'subscribed', previous_state: null });
    }
  });
});
