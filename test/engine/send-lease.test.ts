import { afterAll, beforeAll, expect, test } from 'vitest';
import { channelAdapter } from '../../src/channels/adapter.ts';
import type { ManualClock } from '../../src/engine/clock.ts';
import { sendClaimed } from '../../src/engine/campaigns/dispatcher.ts';
import { SendClaim, sendLeaseMs } from '../../src/engine/campaigns/send-claim.ts';
import { providerTimeoutMs } from '../../src/engine/config.ts';
import type { MessageRow } from '../../src/core/message.ts';
import { runDueEntries } from '../../src/engine/campaigns/scheduler.ts';
import { FakeLine } from '../fakes/line.ts';
import { describeEachStore } from '../support/stores.ts';
import { startServerWithWorker, type TestServer } from '../support/server.ts';

/**
 * A claimed message belongs to its dispatcher for three provider timeouts. A call starts only
 * while the lease has two timeouts left, else the lease is renewed first; a message another
 * dispatcher took meanwhile is not sent by a process that has lost it.
 */
const TIMEOUT_MS = 1_000;
const USERS = 40; // more than the 32 provider calls a dispatcher has in flight at once

describeEachStore('the send lease', (kind) => {
  /** Runs when the fake LINE server accepts a message. */
  let onAccepted = () => {};
  const line = new FakeLine({ token: 'line-token', onAccepted: () => onAccepted() });
  let server: TestServer;
  let clock: ManualClock;
  const previousTimeout = process.env.TIDINGS_PROVIDER_TIMEOUT_MS;

  beforeAll(async () => {
    process.env.TIDINGS_PROVIDER_TIMEOUT_MS = String(TIMEOUT_MS);
    const url = await line.start();
    ({ server, clock } = await startServerWithWorker(kind, {
      channels: [{ id: 'line', type: 'line', channel_access_token: 'line-token', api_base_url: url }],
      campaigns: [
        {
          id: 'hello',
          name: 'Hello',
          status: 'active',
          trigger: { type: 'api' },
          message: { channel: 'line', default: { type: 'text', text: 'Hello' } },
        },
      ],
    }));
  });
  afterAll(async () => {
    if (previousTimeout === undefined) delete process.env.TIDINGS_PROVIDER_TIMEOUT_MS;
    else process.env.TIDINGS_PROVIDER_TIMEOUT_MS = previousTimeout;
    await server.close();
    await line.stop();
  });

  test('is three provider timeouts', () => {
    expect(sendLeaseMs(providerTimeoutMs({ TIDINGS_PROVIDER_TIMEOUT_MS: '1000' }))).toBe(3_000);
    expect(sendLeaseMs(providerTimeoutMs({}))).toBe(30_000);
  });

  async function triggerAll(tag: string): Promise<string[]> {
    const externalIds = Array.from({ length: USERS }, (_, i) => `${kind}-${tag}-u${i}`);
    const lineIds = externalIds.map((_, i) => `U${tag}${String(i).padStart(31, 'a')}`);
    expect(
      (
        await server.call('POST', '/users/track', {
          attributes: externalIds.map((external_id, i) => ({ external_id, line_id: lineIds[i] })),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await server.call('POST', '/campaigns/trigger/send', {
          campaign_id: 'hello',
          recipients: externalIds.map((external_user_id) => ({ external_user_id })),
        })
      ).status,
    ).toBe(201);
    return lineIds;
  }
  const messages = (claimed: MessageRow[]) =>
    server.engine.store.read(async (r) => {
      const ids = new Set(claimed.map((m) => m.id));
      return (await r.campaigns.listMessages({ campaign_id: 'hello', limit: 1000 })).filter((m) => ids.has(m.id));
    });
  const deliveredTo = (lineIds: string[]) => line.delivered().filter((d) => lineIds.includes(d.to ?? ''));

  test('a call that could outlast the lease renews it first, for every message still held', async () => {
    await triggerAll('b');
    const round = await runDueEntries(server.engine, channelAdapter);
    const claim = new SendClaim(
      server.engine,
      round.claimed.map((m) => m.id),
      round.leaseUntil,
      TIMEOUT_MS,
    );
    // Two timeouts left: no renewal.
    clock.advance(TIMEOUT_MS);
    expect(await claim.mayCall(round.claimed[0]!.id)).toBe(true);
    expect(claim.lease).toBe(round.leaseUntil);
    // Less than two left: renewed to three timeouts from now, in the store too.
    clock.advance(1);
    expect(await claim.mayCall(round.claimed[0]!.id)).toBe(true);
    expect(claim.lease).toBe(clock.now() + 3 * TIMEOUT_MS);
    expect(new Set((await messages(round.claimed)).map((m) => m.lease_until))).toEqual(new Set([claim.lease]));
    await sendClaimed(server.engine, channelAdapter, round.claimed, claim.lease);
  });

  test('a slow provider: the calls after its first answer renew the lease, and every message is sent once', async () => {
    const lineIds = await triggerAll('c');
    // The first answer comes 1.5 timeouts after the claim: the calls still to start would end
    // less than a timeout before the lease runs out.
    onAccepted = () => {
      clock.advance(1.5 * TIMEOUT_MS);
      onAccepted = () => {};
    };
    const round = await runDueEntries(server.engine, channelAdapter);
    expect(round.claimed).toHaveLength(USERS);
    await sendClaimed(server.engine, channelAdapter, round.claimed, round.leaseUntil);
    expect((await messages(round.claimed)).map((m) => [m.state, m.attempts])).toEqual(
      round.claimed.map(() => ['sent', 1]),
    );
    expect(deliveredTo(lineIds)).toHaveLength(USERS);
    expect(new Set(deliveredTo(lineIds).map((d) => d.to))).toEqual(new Set(lineIds));
  });

  test('messages another dispatcher took once the lease ran out are left to it: not sent, not recorded here', async () => {
    const lineIds = await triggerAll('d');
    const round = await runDueEntries(server.engine, channelAdapter);
    // This process was held up past its lease; another dispatcher took 5 of the messages.
    clock.advance(3 * TIMEOUT_MS + 1);
    const taken = await server.engine.store.transaction((tx) =>
      tx.campaigns.claimDueMessages(clock.now(), 5, clock.now() + 3 * TIMEOUT_MS),
    );
    expect(taken).toHaveLength(5);
    await sendClaimed(server.engine, channelAdapter, round.claimed, round.leaseUntil);

    const takenIds = new Set(taken.map((m) => m.id));
    const after = await messages(round.claimed);
    expect(after.filter((m) => takenIds.has(m.id)).map((m) => [m.state, m.attempts, m.lease_until])).toEqual(
      taken.map(() => ['sending', 2, clock.now() + 3 * TIMEOUT_MS]),
    );
    expect(after.filter((m) => !takenIds.has(m.id)).map((m) => [m.state, m.attempts])).toEqual(
      Array.from({ length: USERS - 5 }, () => ['sent', 1]),
    );
    expect(deliveredTo(lineIds)).toHaveLength(USERS - 5);
    expect(deliveredTo(lineIds).some((d) => taken.some((m) => m.recipient === d.to))).toBe(false);
  });
});
