import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** One document of each kind under /v1, written without its id: the id comes from the path. */
const KINDS: Array<{ path: string; document: Record<string, unknown> }> = [
  { path: '/v1/subscription_groups/news', document: { name: 'News', channel_type: 'line' } },
  {
    path: '/v1/channels/line-main',
    document: {
      type: 'line',
      channel_secret: 'line-secret',
      channel_access_token: 'line-token',
      subscription_group: 'news',
    },
  },
  {
    path: '/v1/content_blocks/footer',
    document: { template: 'Reply STOP to stop', description: 'legal', tags: ['legal'], state: 'draft' },
  },
  { path: '/v1/segments/vip', document: { filters: [{ attribute: 'tier', op: 'eq', value: 'gold' }] } },
  {
    path: '/v1/campaigns/welcome',
    document: {
      name: 'Welcome',
      status: 'active',
      trigger: { type: 'custom_event', event: 'signed_up' },
      audience: { segment: 'vip' },
      message: { channel: 'line-main', default: { type: 'text', text: 'Hi! {{ content_blocks.footer }}' } },
    },
  },
  {
    path: '/v1/canvases/onboarding',
    document: {
      name: 'Onboarding',
      status: 'active',
      entry: { trigger: { type: 'custom_event', event: 'signed_up' }, audience: { segment: 'vip' } },
      first_step: 'welcome',
      steps: {
        welcome: { type: 'message', message: { channel: 'line-main', default: { type: 'text', text: 'Hi!' } } },
      },
    },
  },
];

describeEachStore('definitions: the id comes from the path, every GET → PUT round trip works', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server.close();
  });

  test('a PUT without an id in the body creates the definition named by the path', async () => {
    for (const { path, document } of KINDS) {
      const put = await server.call('PUT', path, document);
      expect({ path, status: put.status, id: put.body.id }).toEqual({
        path,
        status: 201,
        id: path.split('/').pop(),
      });
    }
  });

  test('what GET shows, PUT back unchanged, is accepted and changes nothing', async () => {
    for (const { path } of KINDS) {
      const read = await server.call('GET', path);
      expect(read.status).toBe(200);
      const put = await server.call('PUT', path, read.body);
      expect({ path, status: put.status, body: put.body }).toEqual({ path, status: 200, body: read.body });
      expect((await server.call('GET', path)).body).toEqual(read.body);
    }
    const settings = await server.call('GET', '/v1/settings');
    const patched = await server.call('PATCH', '/v1/settings', settings.body);
    expect({ status: patched.status, body: patched.body }).toEqual({ status: 200, body: settings.body });
  });

  test("a channel's masked secrets, written back, keep the stored ones", async () => {
    const read = await server.call('GET', '/v1/channels/line-main');
    expect(read.body.channel_access_token).toBe('********');
    expect((await server.call('PUT', '/v1/channels/line-main', read.body)).status).toBe(200);
    const stored = await server.engine.store.read((r) => r.campaigns.getDefinition('channel', 'line-main'));
    expect(stored?.document).toMatchObject({ channel_secret: 'line-secret', channel_access_token: 'line-token' });
  });

  test("an id in the body that is not the path's is a 400 naming 'id', and changes nothing", async () => {
    for (const { path } of KINDS) {
      const before = await server.call('GET', path);
      const pathId = path.split('/').pop();
      const put = await server.call('PUT', path, { ...before.body, id: 'other' });
      expect({ path, status: put.status, errors: put.body.errors }).toEqual({
        path,
        status: 400,
        errors: [{ field: 'id', message: `must match the path's id '${pathId}'; got 'other'` }],
      });
      expect(put.body.message).toContain(`'id' must match the path's id '${pathId}'; got 'other'`);
      expect((await server.call('GET', path)).body).toEqual(before.body);
      expect((await server.call('GET', path.replace(/[^/]+$/, 'other'))).status).toBe(404);
    }
  });

  test('POST /v1/apply still takes each document with its id', async () => {
    const applied = await server.call('POST', '/v1/apply', {
      content_blocks: [{ id: 'header', template: 'Hello' }],
      segments: [{ id: 'all', filters: [] }],
    });
    expect(applied.status).toBe(200);
    expect(applied.body.created).toEqual(['segment:all', 'content_block:header']);
    expect((await server.call('GET', '/v1/content_blocks/header')).body).toEqual({ id: 'header', template: 'Hello' });
  });

  test('the OpenAPI document says what the routes accept: id optional in PUT bodies, required in /v1/apply documents', async () => {
    const doc = (await server.call('GET', '/openapi.json')).body;
    const resolve = (schema: any): any =>
      schema.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
    /** The object schemas a body may be: the schema itself, or each member of a union. */
    const objects = (schema: any): any[] => {
      const resolved = resolve(schema);
      return resolved.anyOf ? resolved.anyOf.flatMap(objects) : [resolved];
    };
    const bodyOf = (operation: any) => operation.requestBody.content['application/json'].schema;

    const putPaths = Object.keys(doc.paths).filter((p) => doc.paths[p].put && p.startsWith('/v1/'));
    expect(putPaths.sort()).toEqual(KINDS.map((k) => k.path.replace(/[^/]+$/, '{id}')).sort());
    for (const path of putPaths) {
      for (const object of objects(bodyOf(doc.paths[path].put))) {
        expect({ path, type: object.type, hasId: 'id' in object.properties }).toEqual({
          path,
          type: 'object',
          hasId: true,
        });
        expect({ path, required: object.required.includes('id') }).toEqual({ path, required: false });
        expect(object.properties.id.description).toContain('path');
      }
    }
    const bundle = resolve(bodyOf(doc.paths['/v1/apply'].post));
    for (const [key, list] of Object.entries<any>(bundle.properties)) {
      for (const object of objects(list.items)) {
        expect({ key, required: object.required.includes('id') }).toEqual({ key, required: true });
      }
    }
  });
});
