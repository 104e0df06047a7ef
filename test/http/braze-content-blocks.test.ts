import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ManualClock } from '../../src/engine/clock.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describeEachStore("Braze's Content Blocks API over our content blocks", (kind) => {
  let server: TestServer;
  let clock: ManualClock;
  beforeAll(async () => {
    server = await startTestServer(kind);
    clock = server.clock as ManualClock;
  });
  afterAll(async () => {
    await server.close();
  });

  async function keyWith(...permissions: string[]): Promise<string> {
    const created = await server.call('POST', '/v1/api_keys', { name: permissions.join(' '), permissions });
    expect(created.status).toBe(201);
    return created.body.key;
  }

  test('a Braze script: create → info → update → list, with the content_blocks.* permissions', async () => {
    const key = await keyWith(
      'content_blocks.create',
      'content_blocks.update',
      'content_blocks.list',
      'content_blocks.info',
    );
    const created = await server.call(
      'POST',
      '/content_blocks/create',
      {
        name: 'promo_footer',
        description: 'The footer of promotions',
        content: '<p>Reply STOP to stop</p>',
        state: 'draft',
        tags: ['marketing'],
      },
      { key },
    );
    expect({ status: created.status, body: created.body }).toEqual({
      status: 201,
      body: {
        content_block_id: 'promo_footer',
        liquid_tag: '{{content_blocks.${promo_footer}}}',
        created_at: '2026-03-06T08:00:00.000Z',
        message: 'success',
      },
    });

    const info = await server.call('GET', '/content_blocks/info?content_block_id=promo_footer', undefined, { key });
    expect({ status: info.status, body: info.body }).toEqual({
      status: 200,
      body: {
        content_block_id: 'promo_footer',
        name: 'promo_footer',
        content: '<p>Reply STOP to stop</p>',
        description: 'The footer of promotions',
        content_type: 'html',
        tags: ['marketing'],
        created_at: '2026-03-06T08:00:00.000Z',
        last_edited: '2026-03-06T08:00:00.000Z',
        inclusion_count: 0,
        message: 'success',
      },
    });

    // The same object as /v1/content_blocks/{name}.
    expect((await server.call('GET', '/v1/content_blocks/promo_footer')).body).toEqual({
      id: 'promo_footer',
      template: '<p>Reply STOP to stop</p>',
      description: 'The footer of promotions',
      state: 'draft',
      tags: ['marketing'],
    });

    clock.advance(60_000);
    const updated = await server.call(
      'POST',
      '/content_blocks/update',
      { content_block_id: 'promo_footer', content: 'Reply STOP to stop, {{${first_name}}}', state: 'active' },
      { key },
    );
    expect({ status: updated.status, body: updated.body }).toEqual({
      status: 200,
      body: {
        content_block_id: 'promo_footer',
        liquid_tag: '{{content_blocks.${promo_footer}}}',
        created_at: expect.any(String),
        message: 'success',
      },
    });
    expect((await server.call('GET', '/v1/content_blocks/promo_footer')).body).toEqual({
      id: 'promo_footer',
      template: 'Reply STOP to stop, {{${first_name}}}',
      description: 'The footer of promotions',
      state: 'active',
      tags: ['marketing'],
    });

    const listed = await server.call('GET', '/content_blocks/list', undefined, { key });
    expect({ status: listed.status, body: listed.body }).toEqual({
      status: 200,
      body: {
        count: 1,
        content_blocks: [
          {
            content_block_id: 'promo_footer',
            name: 'promo_footer',
            content_type: 'text',
            liquid_tag: '{{content_blocks.${promo_footer}}}',
            inclusion_count: 0,
            created_at: expect.any(String),
            last_edited: '2026-03-06T08:01:00.000Z',
            tags: ['marketing'],
          },
        ],
        message: 'success',
      },
    });
  });

  test('a block a campaign includes is counted, and named with include_inclusion_data', async () => {
    clock.advance(60_000);
    const applied = await server.call('POST', '/v1/apply', {
      channels: [{ id: 'line-test', type: 'line', sandbox: true }],
      content_blocks: [{ id: 'sign_off', template: 'Bye' }],
      campaigns: [
        {
          id: 'welcome',
          name: 'Welcome',
          status: 'active',
          trigger: { type: 'api' },
          message: {
            channel: 'line-test',
            default: { type: 'text', text: 'Hi {{content_blocks.${sign_off}}} {{ content_blocks.promo_footer }}' },
          },
        },
      ],
    });
    expect(applied.status).toBe(200);
    const info = await server.call('GET', '/content_blocks/info?content_block_id=sign_off&include_inclusion_data=true');
    expect(info.body).toMatchObject({ inclusion_count: 1, inclusion_data: [{ campaign_id: 'welcome' }] });
    expect(
      (await server.call('GET', '/content_blocks/info?content_block_id=promo_footer')).body.inclusion_data,
    ).toBeUndefined();
  });

  test('list: modified_after/modified_before, limit and offset', async () => {
    const names = async (query: string) =>
      (await server.call('GET', `/content_blocks/list${query}`)).body.content_blocks.map(
        (b: { name: string }) => b.name,
      );
    expect(await names('')).toEqual(['promo_footer', 'sign_off']);
    // Braze's example has no zone: UTC.
    expect(await names('?modified_after=2026-03-06T08:01:30.000000')).toEqual(['sign_off']);
    expect(await names('?modified_before=2026-03-06T09:01:30%2B01:00')).toEqual(['promo_footer']);
    expect(await names('?modified_after=2026-03-06T08:01:00Z&modified_before=2026-03-06T08:01:00Z')).toEqual([
      'promo_footer',
    ]);
    expect(await names('?limit=1&offset=1')).toEqual(['sign_off']);
    const bad = await server.call('GET', '/content_blocks/list?modified_after=yesterday');
    expect({ status: bad.status, field: bad.body.errors?.[0]?.field }).toEqual({
      status: 400,
      field: 'modified_after',
    });
  });

  test('refusals: a name taken, an unknown id, a rename, bad Liquid, a key without the permission', async () => {
    const taken = await server.call('POST', '/content_blocks/create', { name: 'sign_off', content: 'x' });
    expect(taken.status).toBe(409);
    const unknown = await server.call('GET', '/content_blocks/info?content_block_id=nothing');
    expect(unknown.status).toBe(404);
    const missing = await server.call('POST', '/content_blocks/update', { content_block_id: 'nothing', content: 'x' });
    expect(missing.status).toBe(404);
    const renamed = await server.call('POST', '/content_blocks/update', {
      content_block_id: 'sign_off',
      name: 'other',
    });
    expect({ status: renamed.status, field: renamed.body.errors?.[0]?.field }).toEqual({ status: 400, field: 'name' });
    const badLiquid = await server.call('POST', '/content_blocks/create', { name: 'broken', content: '{% if %}' });
    expect({ status: badLiquid.status, field: badLiquid.body.errors?.[0]?.field }).toEqual({
      status: 400,
      field: 'content',
    });
    expect((await server.call('GET', '/v1/content_blocks/broken')).status).toBe(404);
    const badName = await server.call('POST', '/content_blocks/create', { name: 'Has Spaces', content: 'x' });
    expect({ status: badName.status, field: badName.body.errors?.[0]?.field }).toEqual({ status: 400, field: 'name' });

    const listOnly = await keyWith('content_blocks.list');
    expect((await server.call('GET', '/content_blocks/list', undefined, { key: listOnly })).status).toBe(200);
    const refused = await server.call('POST', '/content_blocks/create', { name: 'x', content: 'x' }, { key: listOnly });
    expect({ status: refused.status, body: refused.body.message }).toEqual({
      status: 403,
      body: "This API key lacks the 'content_blocks.create' permission",
    });
    const trackOnly = await keyWith('users.track');
    expect((await server.call('GET', '/content_blocks/list', undefined, { key: trackOnly })).status).toBe(403);
  });
});
