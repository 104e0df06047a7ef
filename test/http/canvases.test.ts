import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const text = (t: string) => ({ channel: 'line-main', default: { type: 'text', text: t } });
const line = (words?: string[]) => ({
  type: 'inbound_message',
  channel_type: 'line',
  ...(words ? { trigger_words: words } : {}),
});

/** canvas.md's example, with every step kind; the id comes from the path. */
const onboarding = () => ({
  name: 'LINE onboarding',
  status: 'active',
  entry: {
    trigger: line(['JOIN2023']),
    audience: { filters: [{ attribute: 'country', op: 'eq', value: 'JP' }] },
    reentry: { after_seconds: 0 },
    starts_at: null,
    ends_at: null,
  },
  exit: { exceptions: [{ type: 'purchase' }] },
  first_step: 'welcome',
  steps: {
    welcome: { type: 'message', message: text('Welcome!'), next: 'ask', on_failure: 'update' },
    ask: {
      type: 'action_paths',
      window_seconds: 86400,
      ranked: false,
      groups: [
        { id: 'yes', trigger: line(['YES']), next: 'check' },
        { id: 'stop', trigger: line(['STOP']), exit: true },
        { id: 'other', trigger: line(), next: 'ab' },
      ],
      everyone_else: 'reminder',
    },
    reminder: {
      type: 'delay',
      delay: { type: 'calendar_days', days: 1, time: '10:00', time_zone: 'user' },
      next: 'paths',
    },
    check: {
      type: 'decision_split',
      filter: { attribute: 'tier', op: 'eq', value: 'gold' },
      yes: 'coupon',
      no: null,
    },
    paths: {
      type: 'audience_paths',
      paths: [{ id: 'vip', filter: { attribute: 'tier', op: 'eq', value: 'gold' }, next: 'coupon' }],
      everyone_else: null,
    },
    ab: {
      type: 'experiment',
      paths: [
        { id: 'a', percent: 50, next: 'coupon' },
        { id: 'b', percent: 50, next: null },
      ],
    },
    update: {
      type: 'user_update',
      attributes: { onboarding: 'failed' },
      events: [{ name: 'onboarding_failed', properties: { step: 'welcome' } }],
      subscription_groups: [{ subscription_group_id: 'news', subscription_state: 'unsubscribed' }],
      next: null,
    },
    coupon: { type: 'message', message: text('Here is your coupon'), next: null },
  },
});

type Steps = Record<string, Record<string, unknown>>;
const withSteps = (change: (steps: Steps) => void, first = 'welcome') => {
  const canvas = onboarding();
  const steps = structuredClone(canvas.steps) as Steps;
  change(steps);
  return { ...canvas, first_step: first, steps };
};

describeEachStore('canvases: definitions, validation and versions over HTTP', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
    const setup = await server.call('POST', '/v1/apply', {
      subscription_groups: [{ id: 'news', name: 'News', channel_type: 'line' }],
      channels: [
        {
          id: 'line-main',
          type: 'line',
          channel_secret: 'line-secret',
          channel_access_token: 'line-token',
          subscription_group: 'news',
        },
      ],
    });
    expect(setup.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  test('PUT creates a canvas named by the path; GET, the list and a PUT of what GET shows round-trip', async () => {
    const put = await server.call('PUT', '/v1/canvases/onboarding', onboarding());
    expect(put.status).toBe(201);
    expect(put.body).toEqual({ id: 'onboarding', ...onboarding() });
    const read = await server.call('GET', '/v1/canvases/onboarding');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id: 'onboarding', ...onboarding() });
    const again = await server.call('PUT', '/v1/canvases/onboarding', read.body);
    expect(again.status).toBe(200);
    const list = await server.call('GET', '/v1/canvases');
    expect(list.body.canvases.map((c: { id: string }) => c.id)).toContain('onboarding');
    expect((await server.call('GET', '/v1/canvases/onboarding/versions')).body.versions).toHaveLength(1);
  });

  test('each refusal of canvas.md is a 400 naming the step, and nothing is written', async () => {
    const many: Steps = {};
    for (let i = 0; i < 201; i++)
      many[`s${i}`] = { type: 'delay', delay: { type: 'duration', seconds: 1 }, next: null };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['cycle', withSteps((s) => (s.coupon!.next = 'welcome')), 'canvases[refused].steps.coupon.next'],
      ['missing step', withSteps((s) => (s.check!.yes = 'nowhere')), 'canvases[refused].steps.check.yes'],
      ['over 200 steps', { ...onboarding(), first_step: 's0', steps: many }, 'canvases[refused].steps'],
      [
        'window over 31 days',
        withSteps((s) => (s.ask!.window_seconds = 31 * 86400 + 1)),
        'canvases[refused].steps.ask.window_seconds',
      ],
      [
        'percents not 100',
        withSteps((s) => ((s.ab!.paths as Array<{ percent: number }>)[1]!.percent = 40)),
        'canvases[refused].steps.ab.paths',
      ],
      [
        'over 8 audience paths',
        withSteps((s) => {
          s.paths!.paths = Array.from({ length: 9 }, (_, i) => ({
            id: `p${i}`,
            filter: { attribute: 'tier', op: 'eq', value: `t${i}` },
            next: null,
          }));
        }),
        'canvases[refused].steps.paths.paths',
      ],
      ['unknown step type', withSteps((s) => (s.coupon = { type: 'teleport', next: null })), 'steps.coupon.type'],
    ];
    for (const [name, canvas, field] of cases) {
      const put = await server.call('PUT', '/v1/canvases/refused', canvas);
      const fields = (put.body.errors ?? []).map((e: { field: string }) => e.field);
      expect({ name, status: put.status, named: fields.includes(field) }).toEqual({
        name,
        status: 400,
        named: true,
      });
    }
    expect((await server.call('GET', '/v1/canvases/refused')).status).toBe(404);
    expect((await server.call('GET', '/v1/canvases/refused/versions')).status).toBe(404);
  });

  test('a cycle names the step that closes it and the loop', async () => {
    const put = await server.call(
      'PUT',
      '/v1/canvases/loop',
      withSteps((s) => (s.coupon!.next = 'welcome')),
    );
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual([
      {
        field: 'canvases[loop].steps.coupon.next',
        message: expect.stringContaining('closes a cycle'),
      },
    ]);
  });

  test('a new version per change of the definition, none for an unchanged one; versions are kept as written', async () => {
    const first = { ...onboarding(), name: 'v1' };
    expect((await server.call('PUT', '/v1/canvases/versioned', first)).status).toBe(201);
    expect((await server.call('PUT', '/v1/canvases/versioned', first)).status).toBe(200);
    // The same document with its keys in another order is the same definition.
    const reordered = Object.fromEntries(Object.entries({ id: 'versioned', ...first }).reverse());
    expect((await server.call('PUT', '/v1/canvases/versioned', reordered)).status).toBe(200);
    let versions = await server.call('GET', '/v1/canvases/versioned/versions');
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);

    const second = { ...first, name: 'v2', status: 'paused' };
    expect((await server.call('PUT', '/v1/canvases/versioned', second)).status).toBe(200);
    const applied = await server.call('POST', '/v1/apply', { canvases: [{ id: 'versioned', ...second }] });
    expect(applied.status).toBe(200);
    versions = await server.call('GET', '/v1/canvases/versioned/versions');
    expect(versions.body).toEqual({
      canvas_id: 'versioned',
      versions: [
        { version: 1, created_at: expect.any(String) },
        { version: 2, created_at: expect.any(String) },
      ],
    });
    const one = await server.call('GET', '/v1/canvases/versioned/versions/1');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ canvas_id: 'versioned', version: 1, definition: { id: 'versioned', ...first } });
    expect((await server.call('GET', '/v1/canvases/versioned/versions/2')).body.definition.name).toBe('v2');
    expect((await server.call('GET', '/v1/canvases/versioned/versions/3')).status).toBe(404);
    expect((await server.call('GET', '/v1/canvases/versioned')).body.name).toBe('v2');

    // Deleted, its versions stay; written again, it goes on from the last version.
    expect((await server.call('DELETE', '/v1/canvases/versioned')).status).toBe(204);
    expect((await server.call('GET', '/v1/canvases/versioned')).status).toBe(404);
    expect((await server.call('DELETE', '/v1/canvases/versioned')).status).toBe(404);
    expect((await server.call('PUT', '/v1/canvases/versioned', { ...first, name: 'v3' })).status).toBe(201);
    versions = await server.call('GET', '/v1/canvases/versioned/versions');
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
  });

  test('concurrent changes of one canvas each get their own version number', async () => {
    const puts = await Promise.all(
      ['a', 'b', 'c'].map((n) => server.call('PUT', '/v1/canvases/raced', { ...onboarding(), name: n })),
    );
    expect(puts.every((p) => p.status === 200 || p.status === 201)).toBe(true);
    const versions = await server.call('GET', '/v1/canvases/raced/versions');
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    const names = await Promise.all(
      [1, 2, 3].map(async (n) => (await server.call('GET', `/v1/canvases/raced/versions/${n}`)).body.definition.name),
    );
    expect([...names].sort()).toEqual(['a', 'b', 'c']);
    // The canvas as stored is the latest version's document.
    expect((await server.call('GET', '/v1/canvases/raced')).body.name).toBe(names[2]);
  });

  test('an apply bundle with one invalid canvas applies nothing, the valid canvas and segment included', async () => {
    const refused = await server.call('POST', '/v1/apply', {
      segments: [{ id: 'gold', filters: [{ attribute: 'tier', op: 'eq', value: 'gold' }] }],
      canvases: [
        { id: 'good', ...onboarding() },
        { id: 'bad', ...withSteps((s) => (s.ask!.everyone_else = 'gone')) },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'canvases[bad].steps.ask.everyone_else',
    ]);
    expect((await server.call('GET', '/v1/canvases/good')).status).toBe(404);
    expect((await server.call('GET', '/v1/canvases/good/versions')).status).toBe(404);
    expect((await server.call('GET', '/v1/segments/gold')).status).toBe(404);

    const applied = await server.call('POST', '/v1/apply', {
      segments: [{ id: 'gold', filters: [{ attribute: 'tier', op: 'eq', value: 'gold' }] }],
      canvases: [{ id: 'good', ...onboarding(), entry: { ...onboarding().entry, audience: { segment: 'gold' } } }],
    });
    expect(applied.status).toBe(200);
    expect(applied.body.created).toEqual(expect.arrayContaining(['segment:gold', 'canvas:good']));
    expect((await server.call('GET', '/v1/canvases/good/versions')).body.versions).toHaveLength(1);
  });

  test('a canvas naming a segment, subscription group or channel that does not exist is refused, naming the field', async () => {
    const put = await server.call('PUT', '/v1/canvases/unknown-refs', {
      ...withSteps((s) => {
        s.check!.filter = { subscription_group: 'nope', state: 'subscribed' };
        s.coupon!.message = { ...text('x'), channel: 'nope' };
      }),
      entry: { ...onboarding().entry, audience: { segment: 'nope' } },
    });
    expect(put.status).toBe(400);
    expect(put.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'canvases[unknown-refs].entry.audience',
      'canvases[unknown-refs].steps.check.filter',
      'canvases[unknown-refs].steps.coupon.message.channel',
    ]);
  });
});
