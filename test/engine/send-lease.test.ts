import { afterAll, beforeAll, expect, test } from 'vitest';
import { channelAdapter } from '../../src/channels/adapter.ts';
import type { ManualClock } from '../../src/engine/clock.ts';
import type { CampaignWorker } from '../../src/engine/campaigns/worker.ts';
import { sendClaimed, sendLeaseMs } from '../../src/engine/campaigns/dispatcher.ts';
import { runDueEntries } from '../../src/engine/campaigns/scheduler.ts';
import { FakeLine } from '../fakes/line.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

/**
 * A claimed message belongs to its dispatcher for three provider timeouts. A call is started only
 * while it would end a full timeout before the lease does; a message whose turn comes later (a
 * slow provider ahead of it) is released, queued again untouched, instead of being sent by a
 * process that may already have lost it to another.
 */
const TIMEOUT_MS = 1_000;
const USERS = 40; // more than the 32 provider calls a dispatcher has in flight at once

describeEachStore('the send lease', (kind) => {
  /** Runs when the fake LINE server accepts a message. */
  let onAccepted = () => {};
  const line = new FakeLine({ token: 'line-token', onAccepted: () => onAccepted() });
  let server: TestServer;
  let clock: ManualClock;
  let worker: CampaignWorker;
  const previousTimeout = process.env.TIDINGS_PROVIDER_TIMEOUT_MS;

  beforeAll(async () => {
    process.env.TIDINGS_PROVIDER_TIMEOUT_MS = String(TIMEOUT_MS);
    const url = await line.start();
    ({ server, clock, worker } = await startServerWithWorker(kind, {
      channels: [{ id: 'line', type: 'line', channel_access_token: 'line-token', api_base_url: url }],
      campaigns: [{ id: 'hello', name: 'Hello', status: 'active', trigger: { type: 'api' }, message: { channel: 'line', default: { type: 'text', text: 'Hello' } } }],
    }));
  });
  afterAll(async () => {
    if (previousTimeout === undefined) delete process.env.TIDINGS_PROVIDER_TIMEOUT_MS;
    else process.env.TIDINGS_PROVIDER_TIMEOUT_MS = previousTimeout;
    await server.close();
    await line.stop();
  });

  test('is three provider timeouts', () => {
    expect(sendLeaseMs({ TIDINGS_PROVIDER_TIMEOUT_MS: '1000' })).toBe(3_000);
    expect(sendLeaseMs({})).toBe(30_000);
  });

  test('messages whose call would start too late in the lease are released unsent, then sent once under a new claim', async () => {
    const externalIds = Array.from({ length: USERS }, (_, i) => `${kind}-u${i}`);
    const lineIds = externalIds.map((_, i) => `U${String(i).padStart(32, 'a')}`);
    expect((await server.call('POST', '/users/track', { attributes: externalIds.map((external_id, i) => ({ external_id, line_id: lineIds[i] })) })).status).toBe(201);
    expect((await server.call('POST', '/campaigns/trigger/send', { campaign_id: 'hello', recipients: externalIds.map((external_user_id) => ({ external_user_id })) })).status).toBe(201);

    // The provider's first answer comes 1.5 timeouts after the claim: every call still to start
    // would end less than a timeout before the lease runs out.
    onAccepted = () => {
      clock.advance(1.5 * TIMEOUT_MS);
      onAccepted = () => {};
    };
    const claimedAt = clock.now();
    const round = await runDueEntries(server.engine, channelAdapter);
    expect(round.claimed).toHaveLength(USERS);
    expect(round.leaseUntil).toBe(claimedAt + 3 * TIMEOUT_MS);
    await sendClaimed(server.engine, channelAdapter, round.claimed, round.leaseUntil);

    const messages = async () => (await server.call('GET', '/v1/messages?campaign_id=hello&limit=100')).body.messages as Array<{ state: string; attempts: number; error_code: string | null }>;
    const afterFirst = await messages();
    expect(line.delivered()).toHaveLength(32);
    expect(afterFirst.filter((m) => m.state === 'sent' && m.attempts === 1)).toHaveLength(32);
    expect(afterFirst.filter((m) => m.state === 'queued')).toEqual(Array.from({ length: USERS - 32 }, () => expect.objectContaining({ state: 'queued', attempts: 0, error_code: null })));

    // They are due at once, claimed afresh and sent: every user once, each message on its first attempt.
    await worker.runDue();
    const final = await messages();
    expect(final.filter((m) => m.state === 'sent' && m.attempts === 1)).toHaveLength(USERS);
    expect(new Set(line.delivered().map((d) => d.to))).toEqual(new Set(lineIds));
    expect(line.delivered()).toHaveLength(USERS);
  });
});
