import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** A campaign sending `text` on `channel`. */
const campaign = (id: string, text: string, channel = 'line-main') => ({
  id,
  name: id,
  status: 'active',
  trigger: { type: 'api' },
  message: { channel, default: { type: 'text', text } },
});

/** A template that parses but needs more template work than any render is allowed. */
const ENDLESS = '{% for a in (1..1000) %}{% for b in (1..1000) %}{% endfor %}{% endfor %}';

describeEachStore('POST /v1/apply checks what it changes and what depends on it', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
    const applied = await server.call('POST', '/v1/apply', {
      channels: [
        { id: 'line-main', type: 'line' },
        { id: 'sms', type: 'sandbox' },
      ],
      content_blocks: [
        { id: 'footer', template: 'Bye {{ content_blocks.signature }}' },
        { id: 'signature', template: 'the team' },
        { id: 'unused', template: 'nothing' },
      ],
      campaigns: [campaign('uses-footer', 'Hi {{ content_blocks.footer }}'), campaign('plain', 'Hello')],
    });
    expect(applied.status).toBe(200);
    // A campaign stored without today's checks (as by an older version): its template no longer renders.
    const now = server.clock.now();
    await server.engine.store.transaction((tx) =>
      tx.campaigns.putDefinition({
        kind: 'campaign',
        id: 'stored-broken',
        document: campaign('stored-broken', ENDLESS),
        updated_at: now,
        activated_at: now,
      }),
    );
  });
  afterAll(async () => {
    await server.close();
  });

  test('an apply of one campaign does not render the others: a stored campaign that would fail does not refuse it', async () => {
    const applied = await server.call('POST', '/v1/apply', {
      campaigns: [campaign('new', 'Hi {{ user.first_name }}')],
    });
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({ created: ['campaign:new'], updated: [] });
    // The same campaign is refused when it is the one applied: the limit is on template work, not time.
    const again = await server.call('POST', '/v1/apply', { campaigns: [campaign('stored-broken', ENDLESS)] });
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual([
      {
        field: 'campaigns[stored-broken].message.default.text',
        message: expect.stringContaining('template work limit exceeded (50000 steps)'),
      },
    ]);
  });

  test('a content block change checks again the campaigns that include it, directly or through other blocks', async () => {
    const refused = await server.call('POST', '/v1/apply', {
      content_blocks: [{ id: 'signature', template: ENDLESS }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      {
        field: 'campaigns[uses-footer].message.default.text',
        message: expect.stringMatching(
          /content block "footer": content block "signature": template work limit exceeded/,
        ),
      },
    ]);
    expect((await server.call('GET', '/v1/content_blocks/signature')).body.template).toBe('the team');
    // A block no campaign includes is checked alone.
    const unused = await server.call('POST', '/v1/apply', { content_blocks: [{ id: 'unused', template: ENDLESS }] });
    expect(unused.status).toBe(200);
  });

  test('a channel change checks again the campaigns that send on it', async () => {
    const sticker = {
      ...campaign('sticker', ''),
      message: { channel: 'sms', default: { type: 'sticker', package_id: '446', sticker_id: '1988' } },
    };
    expect((await server.call('POST', '/v1/apply', { campaigns: [sticker] })).status).toBe(200);
    const refused = await server.call('POST', '/v1/apply', {
      channels: [{ id: 'sms', type: 'twilio_sms', account_sid: 'AC1', auth_token: 't', from: '+15005550006' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['campaigns[sticker].message.default']);
  });

  test('deleting a content block is refused while a campaign includes it through another block', async () => {
    const refused = await server.call('DELETE', '/v1/content_blocks/signature');
    expect(refused.status).toBe(409);
    expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'campaigns[uses-footer].message.default.text',
      'content_blocks[footer].template',
    ]);
  });
});
