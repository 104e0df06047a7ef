import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { FakeLine } from '../fakes/line.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

const SECRET = 'line-channel-secret';
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');
const lineId = (n: number) => `U${String(n).padStart(32, 'a')}`;
let eventNumber = 0;
const eventId = () => `01HWEBHOOK${String(++eventNumber).padStart(16, '0')}`;
const source = (user: string) => ({ type: 'user', userId: user });
const follow = (user: string, id = eventId()) => ({
  type: 'follow',
  mode: 'active',
  timestamp: Date.parse('2026-03-06T08:00:00Z'),
  source: source(user),
  webhookEventId: id,
  deliveryContext: { isRedelivery: false },
  replyToken: 'r',
});
const unfollow = (user: string) => ({
  type: 'unfollow',
  mode: 'active',
  timestamp: Date.parse('2026-03-06T08:00:00Z'),
  source: source(user),
  webhookEventId: eventId(),
  deliveryContext: { isRedelivery: false },
});
const text = (user: string, body: string, id = eventId(), mode = 'active', replyToken = 'not-issued-by-the-fake') => ({
  type: 'message',
  mode,
  timestamp: Date.parse('2026-03-06T08:00:00Z'),
  source: source(user),
  webhookEventId: id,
  deliveryContext: { isRedelivery: false },
  replyToken,
  message: { id: `m${id}`, type: 'text', text: body, quoteToken: 'q' },
});

describeEachStore('LINE webhook', (kind) => {
  const fake = new FakeLine({ token: 'line-token' });
  let server: TestServer;
  let worker: CampaignWorker;
  beforeAll(async () => {
    const lineUrl = await fake.start();
    ({ server, worker } = await startServerWithWorker(kind, {
      subscription_groups: [{ id: 'line-friends', name: 'LINE friends', channel_type: 'line' }],
      channels: [
        {
          id: 'line-in',
          type: 'line',
          channel_secret: SECRET,
          channel_access_token: 'line-token',
          api_base_url: lineUrl,
          subscription_group: 'line-friends',
        },
        { id: 'ops', type: 'sandbox' },
      ],
      campaigns: [
        {
          id: 'greet',
          name: 'Greet',
          status: 'active',
          trigger: { type: 'custom_event', event: 'line_follow' },
          message: { channel: 'line-in', default: { type: 'text', text: 'Thanks for following' } },
        },
        {
          id: 'join',
          name: 'Join',
          status: 'active',
          trigger: { type: 'inbound_message', channel_type: 'line', trigger_words: ['join2023'] },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'last_interacted', default: { type: 'text', text: 'Welcome aboard' } },
        },
        {
          id: 'hello-twice',
          name: 'Answer hello',
          status: 'active',
          trigger: { type: 'inbound_message', channel_type: 'line', trigger_words: ['hello'] },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'line-in', default: { type: 'text', text: 'Hello from campaign one' } },
        },
        {
          id: 'hello-again',
          name: 'Answer hello too',
          status: 'active',
          trigger: { type: 'inbound_message', channel_type: 'line', trigger_words: ['hello'] },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'line-in', default: { type: 'text', text: 'Hello from campaign two' } },
        },
        {
          id: 'echo-all',
          name: 'Echo',
          status: 'active',
          trigger: { type: 'inbound_message', channel_type: 'line' },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'ops', default: { type: 'text', text: 'Got: {{ inbound.text }}' } },
        },
        {
          id: 'unknown',
          name: 'Automated',
          status: 'active',
          trigger: { type: 'inbound_message', channel_type: 'line', unrecognized: true },
          reeligibility: { after_seconds: 0 },
          message: { channel: 'ops', default: { type: 'text', text: 'This account is automated' } },
        },
      ],
    }));
  });
  afterAll(async () => {
    await server.close();
    await fake.stop();
  });

  const post = (body: string, signature: string | null = sign(body)) =>
    fetch(`${server.url}/webhooks/line/line-in`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(signature === null ? {} : { 'x-line-signature': signature }),
      },
      body,
    });
  const user = async (line: string) => (await server.call('GET', `/v1/users?line_id=${line}`)).body.users[0];
  const outcomes = async (id: string, campaign: string) =>
    (await server.call('GET', `/v1/users/${id}/timeline?campaign_id=${campaign}`)).body.timeline
      .map((t: { outcome: string }) => t.outcome)
      .reverse();
  const opsTexts = async (to: string) =>
    (await server.call('GET', `/v1/sandbox/messages?to=${to}`)).body.messages
      .map((m: { payload: { content: { text: string } } }) => m.payload.content.text)
      .reverse();

  test('a missing or wrong signature is 401 and records nothing; an empty event list is 200', async () => {
    const body = JSON.stringify({ destination: 'x', events: [follow(lineId(1))] });
    expect((await post(body, null)).status).toBe(401);
    expect((await post(body, sign(body, 'another-secret'))).status).toBe(401);
    expect((await post(body, sign(`${body} `))).status).toBe(401);
    expect(await user(lineId(1))).toBeUndefined();
    const empty = JSON.stringify({ destination: 'x', events: [] });
    const answered = await post(empty);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ recorded: 0, redelivered: 0, ignored: 0 });
    expect((await post('{"events": [', sign('{"events": ['))).status).toBe(400);
    expect((await post('{"events": [{}]}', sign('{"events": [{}]}'))).status).toBe(400);
    expect(
      (
        await fetch(`${server.url}/webhooks/line/nope`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
      ).status,
    ).toBe(404);
  });

  test('follow creates the profile by line_id, subscribes it, records line_follow, and fires campaigns on it', async () => {
    const line = lineId(2);
    const body = JSON.stringify({ destination: 'x', events: [follow(line)] });
    const answered = await post(body);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ recorded: 1, redelivered: 0, ignored: 0 });
    const profile = await user(line);
    expect(profile).toMatchObject({
      line_id: line,
      subscription_groups: [{ id: 'line-friends', state: 'subscribed' }],
    });
    expect(
      (await server.call('GET', `/v1/users?alias_label=line_id&alias_name=${line}`)).body.users.map(
        (u: { id: string }) => u.id,
      ),
    ).toEqual([profile.id]);
    await worker.runDue();
    expect(await outcomes(profile.id, 'greet')).toEqual(['triggered', 'scheduled', 'sent']);
    expect(
      fake
        .delivered()
        .filter((d) => d.to === line)
        .map((d) => d.messages),
    ).toEqual([[{ type: 'text', text: 'Thanks for following' }]]);
  });

  test('a text fires trigger-word campaigns (NFKC, any case), every-message campaigns, and “unrecognized” only when no word matched', async () => {
    const line = lineId(3);
    await post(JSON.stringify({ events: [follow(line)] }));
    const words = JSON.stringify({ events: [text(line, '  ｊｏｉｎ２０２３ ')] });
    expect((await post(words)).status).toBe(200);
    await worker.runDue();
    const profile = await user(line);
    expect(profile.last_interacted_channel).toBe('line-in');
    expect(await outcomes(profile.id, 'join')).toEqual(['triggered', 'scheduled', 'sent']);
    expect(
      fake
        .delivered()
        .filter((d) => d.to === line)
        .map((d) => d.messages[0]),
    ).toContainEqual({ type: 'text', text: 'Welcome aboard' });

    await post(JSON.stringify({ events: [text(line, 'what is this?')] }));
    await worker.runDue();
    expect(await opsTexts(profile.external_id ?? profile.id)).toEqual([
      'Got:   ｊｏｉｎ２０２３ ',
      'Got: what is this?',
      'This account is automated',
    ]);
    expect(await outcomes(profile.id, 'unknown')).toEqual(['triggered', 'scheduled', 'sent']);
  });

  test('a redelivered event is recorded once; standby events are recorded but answer nothing', async () => {
    const line = lineId(4);
    const id = eventId();
    const body = JSON.stringify({ events: [text(line, 'good morning', id)] });
    expect(await (await post(body)).json()).toEqual({ recorded: 1, redelivered: 0, ignored: 0 });
    expect(await (await post(body)).json()).toEqual({ recorded: 0, redelivered: 1, ignored: 0 });
    const profile = await user(line);
    expect(await outcomes(profile.id, 'echo-all')).toEqual(['triggered', 'scheduled']);
    expect(await opsTexts(profile.id)).toEqual([]);
    await worker.runDue();
    expect(await opsTexts(profile.id)).toEqual(['Got: good morning', 'This account is automated']);

    const quiet = lineId(5);
    await post(JSON.stringify({ events: [text(quiet, 'hello', eventId(), 'standby')] }));
    const standby = await user(quiet);
    expect(standby).toMatchObject({ line_id: quiet });
    expect(await outcomes(standby.id, 'echo-all')).toEqual([]);
  });

  test('unfollow unsubscribes: later LINE sends to that user are suppressed as not_subscribed', async () => {
    const line = lineId(6);
    await post(JSON.stringify({ events: [follow(line)] }));
    await worker.runDue();
    await post(JSON.stringify({ events: [unfollow(line), text(line, 'join2023')] }));
    await worker.runDue();
    const profile = await user(line);
    expect(profile.subscription_groups).toEqual([
      { id: 'line-friends', state: 'unsubscribed', changed_at: expect.any(String) },
    ]);
    const joined = (await server.call('GET', `/v1/users/${profile.id}/timeline?campaign_id=join`)).body.timeline
      .map((t: { outcome: string; reason: string | null }) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome))
      .reverse();
    expect(joined).toEqual(['triggered', 'scheduled', 'suppressed:not_subscribed']);
  });

  test('an immediate answer uses the message’s fresh reply token; a second answer to it, or a late one, is pushed', async () => {
    const line = lineId(7);
    const token = fake.issueReplyToken();
    fake.requests.length = 0;
    await post(JSON.stringify({ events: [text(line, 'Hello', eventId(), 'active', token)] }));
    await worker.runDue();
    const answers = fake
      .delivered()
      .map((d) => ({ to: d.to, replyToken: d.replyToken, text: (d.messages[0] as { text: string }).text }))
      .sort((a, b) => a.text.localeCompare(b.text));
    expect(answers).toHaveLength(2);
    expect(answers.filter((a) => a.replyToken === token)).toHaveLength(1);
    expect(answers.filter((a) => a.to === line && a.replyToken === null)).toHaveLength(1);
    const profile = await user(line);
    expect(await outcomes(profile.id, 'hello-twice')).toEqual(['triggered', 'scheduled', 'sent']);
    expect(await outcomes(profile.id, 'hello-again')).toEqual(['triggered', 'scheduled', 'sent']);

    const late = fake.issueReplyToken();
    fake.requests.length = 0;
    await post(JSON.stringify({ events: [text(line, 'hello', eventId(), 'active', late)] }));
    (server.clock as import('../../src/engine/clock.ts').ManualClock).advance(51_000);
    await worker.runDue();
    expect(fake.delivered().map((d) => [d.to, d.replyToken])).toEqual([
      [line, null],
      [line, null],
    ]);
    expect(fake.requests.filter((r) => r.path === '/v2/bot/message/reply')).toEqual([]);
  });

  test('malformed events are 400 naming each field, and nothing of the body is recorded; an id twice in one body counts once', async () => {
    const line = lineId(70);
    const good = text(line, 'good event');
    const bad = [
      { ...text(line, 'x'), message: undefined },
      { ...text(line, 'x'), timestamp: 'yesterday' },
      { ...text(line, 'x'), message: { id: 'm1', type: 'text', text: 42 } },
      { ...follow(line), source: { type: 'user', userId: '' } },
      'not an event',
    ];
    const body = JSON.stringify({ events: [good, ...bad] });
    const answered = await post(body);
    expect(answered.status).toBe(400);
    expect(
      ((await answered.json()) as { errors: Array<{ field: string }> }).errors.map((e: { field: string }) => e.field),
    ).toEqual([
      'events[1].message',
      'events[2].timestamp',
      'events[3].message.text',
      'events[4].source.userId',
      'events[5]',
    ]);
    expect(await user(line)).toBeUndefined();

    const twice = JSON.stringify({ events: [good, good] });
    expect(await (await post(twice)).json()).toEqual({ recorded: 1, redelivered: 1, ignored: 0 });
    const profile = await user(line);
    expect(await outcomes(profile.id, 'echo-all')).toEqual(['triggered', 'scheduled']);
  });
});
