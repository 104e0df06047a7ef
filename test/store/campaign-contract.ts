import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { MessageFilter } from '../../src/store/campaign-store.ts';
import type { JourneyEntry } from '../../src/core/campaigns/journey-entry.ts';
import type { MessageRow } from '../../src/core/message.ts';
import type { TimelineRow } from '../../src/core/timeline.ts';
import type { Store } from '../../src/store/store.ts';

export const entry = (id: string, overrides: Partial<JourneyEntry> = {}): JourneyEntry => ({
  id,
  campaign_id: 'cart',
  user_id: 'u-1',
  state: 'pending',
  triggered_at: 1000,
  due_at: 2000,
  context: { event: { name: 'added_to_cart', properties: { cart_value: 120 } } },
  updated_at: 1000,
  ...overrides,
});

export const message = (id: string, overrides: Partial<MessageRow> = {}): MessageRow => ({
  id,
  entry_id: null,
  campaign_id: 'cart',
  user_id: 'u-1',
  channel_id: 'line-main',
  channel_type: 'line',
  recipient: 'U1',
  payload: { to: 'U1', messages: [{ type: 'text', text: 'hi' }] },
  state: 'queued',
  attempts: 0,
  next_attempt_at: 1000,
  lease_until: null,
  provider_message_id: null,
  error_code: null,
  error_message: null,
  details: {},
  created_at: 1000,
  updated_at: 1000,
  ...overrides,
});

const timeline = (id: string, overrides: Partial<TimelineRow> = {}): TimelineRow => ({
  id,
  user_id: 'u-1',
  campaign_id: 'cart',
  entry_id: null,
  message_id: null,
  at: 1000,
  outcome: 'triggered',
  reason: null,
  details: {},
  ...overrides,
});

/** The campaign engine's part of the store, for every implementation (same `open` as the store contract). */
export function describeCampaignStoreContract(
  name: string,
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>,
): void {
  describe(`Campaign store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      await store.migrate();
    });
    afterEach(async () => {
      await cleanup();
    });

    test('definitions are put, replaced, listed by kind in id order, and deleted', async () => {
      await store.transaction(async (tx) => {
        await tx.campaigns.putDefinition({
          kind: 'campaign',
          id: 'b',
          document: { id: 'b', n: 1 },
          updated_at: 1,
          activated_at: 5,
        });
        await tx.campaigns.putDefinition({
          kind: 'campaign',
          id: 'a',
          document: { id: 'a' },
          updated_at: 2,
          activated_at: null,
        });
        await tx.campaigns.putDefinition({
          kind: 'segment',
          id: 'a',
          document: { id: 'a', filters: [] },
          updated_at: 3,
          activated_at: null,
        });
      });
      await store.transaction((tx) =>
        tx.campaigns.putDefinition({
          kind: 'campaign',
          id: 'b',
          document: { id: 'b', n: 2 },
          updated_at: 4,
          activated_at: 6,
        }),
      );
      const campaigns = await store.read((r) => r.campaigns.listDefinitions('campaign'));
      expect(campaigns).toEqual([
        { kind: 'campaign', id: 'a', document: { id: 'a' }, updated_at: 2, activated_at: null },
        { kind: 'campaign', id: 'b', document: { id: 'b', n: 2 }, updated_at: 4, activated_at: 6 },
      ]);
      expect(await store.read((r) => r.campaigns.getDefinition('segment', 'a'))).toMatchObject({
        document: { id: 'a', filters: [] },
      });
      expect(await store.transaction((tx) => tx.campaigns.deleteDefinition('campaign', 'a'))).toBe(true);
      expect(await store.transaction((tx) => tx.campaigns.deleteDefinition('campaign', 'a'))).toBe(false);
      expect(await store.read((r) => r.campaigns.getDefinition('campaign', 'a'))).toBeNull();
    });

    test('broadcasts are stored, claimed oldest first while running, moved on, and finished', async () => {
      const broadcast = (dispatch_id: string, created_at: number) => ({
        dispatch_id,
        campaign_id: 'news',
        properties: { edition: 'May', n: 1 },
        after_user: null,
        recipients: 0,
        state: 'running' as const,
        created_at,
        updated_at: created_at,
      });
      await store.transaction(async (tx) => {
        await tx.campaigns.insertBroadcast(broadcast('b-late', 200));
        await tx.campaigns.insertBroadcast(broadcast('b-early', 100));
      });
      expect(await store.read((r) => r.campaigns.nextDue())).toEqual({
        entries: null,
        messages: null,
        broadcasts: 100,
        journeys: null,
      });
      expect(await store.read((r) => r.campaigns.getBroadcast('b-late'))).toEqual(broadcast('b-late', 200));
      expect(await store.read((r) => r.campaigns.getBroadcast('b-none'))).toBeNull();
      expect((await store.transaction((tx) => tx.campaigns.claimRunningBroadcast()))?.dispatch_id).toBe('b-early');

      await store.transaction((tx) =>
        tx.campaigns.updateBroadcast('b-early', {
          after_user: 'u-7',
          recipients: 3,
          state: 'running',
          updated_at: 150,
        }),
      );
      expect(await store.read((r) => r.campaigns.getBroadcast('b-early'))).toMatchObject({
        after_user: 'u-7',
        recipients: 3,
        state: 'running',
        updated_at: 150,
      });
      await store.transaction((tx) =>
        tx.campaigns.updateBroadcast('b-early', { after_user: 'u-7', recipients: 3, state: 'done', updated_at: 160 }),
      );
      expect((await store.transaction((tx) => tx.campaigns.claimRunningBroadcast()))?.dispatch_id).toBe('b-late');
      expect(await store.read((r) => r.campaigns.nextDue())).toEqual({
        entries: null,
        messages: null,
        broadcasts: 200,
        journeys: null,
      });
      await store.transaction((tx) =>
        tx.campaigns.updateBroadcast('b-late', { after_user: null, recipients: 0, state: 'done', updated_at: 210 }),
      );
      expect(await store.transaction((tx) => tx.campaigns.claimRunningBroadcast())).toBeNull();
      expect(await store.read((r) => r.campaigns.nextDue())).toEqual({
        entries: null,
        messages: null,
        broadcasts: null,
        journeys: null,
      });
    });

    test('pending entries are found by user, claimed when due in due order, and finished', async () => {
      await store.transaction((tx) =>
        tx.campaigns.insertEntries([
          entry('e-late', { due_at: 3000 }),
          entry('e-early', { due_at: 1500 }),
          entry('e-other', { user_id: 'u-2', due_at: 2500 }),
        ]),
      );
      expect((await store.read((r) => r.campaigns.pendingEntries(['u-1']))).map((e) => e.id).sort()).toEqual([
        'e-early',
        'e-late',
      ]);
      expect(await store.read((r) => r.campaigns.nextDue())).toEqual({
        entries: 1500,
        messages: null,
        broadcasts: null,
        journeys: null,
      });

      const claimed = await store.transaction((tx) => tx.campaigns.claimDueEntries(2500, 10));
      expect(claimed.map((e) => e.id)).toEqual(['e-early', 'e-other']);
      expect(claimed[0]).toEqual(entry('e-early', { due_at: 1500 }));
      expect(await store.transaction((tx) => tx.campaigns.finishEntries(['e-early', 'e-other'], 2600))).toEqual([
        'e-early',
        'e-other',
      ]);
      expect(await store.transaction((tx) => tx.campaigns.finishEntries(['e-early'], 2700))).toEqual([]);
      expect((await store.read((r) => r.campaigns.pendingEntries(['u-1', 'u-2']))).map((e) => e.id)).toEqual([
        'e-late',
      ]);
      expect(await store.transaction((tx) => tx.campaigns.claimDueEntries(2999, 10))).toEqual([]);
      expect(await store.read((r) => r.campaigns.nextDue())).toEqual({
        entries: 3000,
        messages: null,
        broadcasts: null,
        journeys: null,
      });
      expect(await store.read((r) => r.campaigns.getEntries(['e-early', 'e-nobody']))).toEqual([
        entry('e-early', { due_at: 1500, state: 'done', updated_at: 2600 }),
      ]);
    });

    test('receipts keep the last receipt per user and campaign', async () => {
      await store.transaction((tx) =>
        tx.campaigns.upsertReceipts([
          { user_id: 'u-1', campaign_id: 'cart', last_received_at: 10, converted_at: null },
        ]),
      );
      await store.transaction((tx) =>
        tx.campaigns.upsertReceipts([
          { user_id: 'u-1', campaign_id: 'cart', last_received_at: 20, converted_at: 25 },
          { user_id: 'u-2', campaign_id: 'cart', last_received_at: 5, converted_at: null },
          { user_id: 'u-2', campaign_id: 'cart', last_received_at: 6, converted_at: null },
        ]),
      );
      expect(await store.read((r) => r.campaigns.receipts(['u-1']))).toEqual([
        { user_id: 'u-1', campaign_id: 'cart', last_received_at: 20, converted_at: 25 },
      ]);
      expect(await store.read((r) => r.campaigns.receipts(['u-2']))).toEqual([
        { user_id: 'u-2', campaign_id: 'cart', last_received_at: 6, converted_at: null },
      ]);
    });

    test('the timeline lists a user’s decisions newest first and counts them per campaign', async () => {
      await store.transaction((tx) =>
        tx.campaigns.insertTimeline([
          timeline('t1', { at: 1 }),
          timeline('t2', { at: 2, outcome: 'suppressed', reason: 'not_in_audience', details: { why: 'country' } }),
          timeline('t3', { at: 3, outcome: 'suppressed', reason: 'not_in_audience' }),
          timeline('t4', { at: 4, user_id: 'u-2', campaign_id: 'other' }),
        ]),
      );
      const rows = await store.read((r) => r.campaigns.listTimeline('u-1'));
      expect(rows.map((t) => t.id)).toEqual(['t3', 't2', 't1']);
      expect(rows[1]).toEqual(
        timeline('t2', { at: 2, outcome: 'suppressed', reason: 'not_in_audience', details: { why: 'country' } }),
      );
      expect((await store.read((r) => r.campaigns.listTimeline('u-1', { limit: 1 }))).map((t) => t.id)).toEqual(['t3']);
      expect(await store.read((r) => r.campaigns.campaignStats('cart'))).toEqual([
        { outcome: 'suppressed', reason: 'not_in_audience', count: 2 },
        { outcome: 'triggered', reason: null, count: 1 },
      ]);
    });

    test('messages are claimed once with a lease, reclaimed when the lease runs out, and updated', async () => {
      await store.transaction((tx) =>
        tx.campaigns.insertMessages([message('m1'), message('m2', { next_attempt_at: 5000 })]),
      );
      const first = await store.transaction((tx) => tx.campaigns.claimDueMessages(1000, 10, 31_000));
      expect(first).toEqual([message('m1', { state: 'sending', attempts: 1, lease_until: 31_000, updated_at: 1000 })]);
      expect(await store.transaction((tx) => tx.campaigns.claimDueMessages(2000, 10, 32_000))).toEqual([]);
      expect(await store.read((r) => r.campaigns.nextDue())).toEqual({
        entries: null,
        messages: 5000,
        broadcasts: null,
        journeys: null,
      });

      const reclaimed = await store.transaction((tx) => tx.campaigns.claimDueMessages(31_000, 10, 61_000));
      expect(reclaimed.map((m) => [m.id, m.attempts, m.lease_until])).toEqual([
        ['m1', 2, 61_000],
        ['m2', 1, 61_000],
      ]);

      await store.transaction((tx) =>
        tx.campaigns.updateMessages(['m1', 'm2'], {
          state: 'sent',
          provider_message_id: 'p-1',
          lease_until: null,
          updated_at: 31_500,
        }),
      );
      expect(await store.read((r) => r.campaigns.getMessage('m1'))).toMatchObject({
        state: 'sent',
        provider_message_id: 'p-1',
        lease_until: null,
        attempts: 2,
      });
      expect(await store.read((r) => r.campaigns.getMessage('m2'))).toMatchObject({
        state: 'sent',
        updated_at: 31_500,
        attempts: 1,
      });
      expect(await store.read((r) => r.campaigns.nextDue())).toEqual({
        entries: null,
        messages: null,
        broadcasts: null,
        journeys: null,
      });
      expect(
        (await store.read((r) => r.campaigns.listMessages({ campaign_id: 'cart' }))).map((m) => m.id).sort(),
      ).toEqual(['m1', 'm2']);
      expect(await store.read((r) => r.campaigns.listMessages({ user_id: 'nobody' }))).toEqual([]);
    });

    test('claimed messages are marked sent in one statement, each with its provider id, only while still held', async () => {
      await store.transaction((tx) => tx.campaigns.insertMessages([message('s1'), message('s2'), message('s3')]));
      await store.transaction((tx) => tx.campaigns.claimDueMessages(1000, 10, 31_000));
      // s3's lease ran out and another dispatcher took it over.
      await store.transaction((tx) => tx.campaigns.updateMessages(['s3'], { lease_until: 61_000, updated_at: 31_000 }));
      const held = await store.transaction((tx) =>
        tx.campaigns.markClaimedMessagesSent(
          [
            { id: 's1', provider_message_id: 'line-1' },
            { id: 's2', provider_message_id: null },
            { id: 's3', provider_message_id: 'line-3' },
          ],
          31_000,
          2000,
        ),
      );
      expect(held.sort()).toEqual(['s1', 's2']);
      expect(await store.read((r) => r.campaigns.getMessage('s1'))).toMatchObject({
        state: 'sent',
        provider_message_id: 'line-1',
        lease_until: null,
        updated_at: 2000,
        error_code: null,
      });
      expect(await store.read((r) => r.campaigns.getMessage('s2'))).toMatchObject({
        state: 'sent',
        provider_message_id: null,
      });
      expect(await store.read((r) => r.campaigns.getMessage('s3'))).toMatchObject({
        state: 'sending',
        provider_message_id: null,
        lease_until: 61_000,
      });
      expect(await store.transaction((tx) => tx.campaigns.markClaimedMessagesSent([], 31_000, 2000))).toEqual([]);
    });

    test('a sandbox message is recorded once, however often it is sent', async () => {
      const row = {
        message_id: 'm1',
        channel_id: 'line-main',
        channel_type: 'line',
        recipient: 'U1',
        payload: { to: 'U1' },
        received_at: 7,
      };
      const other = { ...row, message_id: 'm2', received_at: 9 };
      expect(await store.transaction((tx) => tx.campaigns.insertSandboxMessages([row]))).toBe(1);
      expect(
        await store.transaction((tx) => tx.campaigns.insertSandboxMessages([{ ...row, received_at: 8 }, other])),
      ).toBe(1);
      expect(await store.read((r) => r.campaigns.listSandboxMessages({ channel_id: 'line-main' }))).toEqual([
        other,
        row,
      ]);
      expect(await store.read((r) => r.campaigns.listSandboxMessages({ recipient: 'U2' }))).toEqual([]);
    });

    test('the message log pages newest first by (created_at, id), filtered by state, and stays put under inserts', async () => {
      await store.transaction((tx) =>
        tx.campaigns.insertMessages([
          message('a', { created_at: 10 }),
          message('b', { created_at: 20, state: 'failed' }),
          message('c', { created_at: 20 }),
          message('d', { created_at: 30, state: 'failed', user_id: 'u-2' }),
          message('e', { created_at: 40 }),
        ]),
      );
      const ids = async (filter: MessageFilter) =>
        (await store.read((r) => r.campaigns.listMessages(filter))).map((m) => m.id);
      expect(await ids({ limit: 2 })).toEqual(['e', 'd']);
      // A message written meanwhile is newer than every page already read: the next page does not shift.
      await store.transaction((tx) => tx.campaigns.insertMessages([message('f', { created_at: 50 })]));
      expect(await ids({ limit: 2, before: { created_at: 30, id: 'd' } })).toEqual(['c', 'b']);
      expect(await ids({ limit: 2, before: { created_at: 20, id: 'b' } })).toEqual(['a']);
      expect(await ids({ state: 'failed' })).toEqual(['d', 'b']);
      expect(await ids({ state: 'failed', user_id: 'u-1' })).toEqual(['b']);
      expect(await ids({ state: 'failed', before: { created_at: 30, id: 'd' } })).toEqual(['b']);
      expect(await ids({ state: 'delivered' })).toEqual([]);
    });

    test('the sandbox inbox is emptied, all of it or one channel or recipient, counting what went', async () => {
      const row = (message_id: string, channel_id: string, recipient: string) => ({
        message_id,
        channel_id,
        channel_type: 'line',
        recipient,
        payload: {},
        received_at: 1,
      });
      await store.transaction((tx) =>
        tx.campaigns.insertSandboxMessages([row('s1', 'a', 'U1'), row('s2', 'a', 'U2'), row('s3', 'b', 'U1')]),
      );
      expect(
        await store.transaction((tx) => tx.campaigns.clearSandboxMessages({ channel_id: 'a', recipient: 'U2' })),
      ).toBe(1);
      expect(await store.transaction((tx) => tx.campaigns.clearSandboxMessages({ channel_id: 'c' }))).toBe(0);
      expect((await store.read((r) => r.campaigns.listSandboxMessages({}))).map((m) => m.message_id)).toEqual([
        's3',
        's1',
      ]);
      expect(await store.transaction((tx) => tx.campaigns.clearSandboxMessages({}))).toBe(2);
      expect(await store.read((r) => r.campaigns.listSandboxMessages({}))).toEqual([]);
    });

    test('webhook event ids are new once per channel', async () => {
      expect(await store.transaction((tx) => tx.campaigns.markWebhookEvents('line-in', ['a', 'b', 'a'], 1))).toEqual([
        'a',
        'b',
      ]);
      expect(await store.transaction((tx) => tx.campaigns.markWebhookEvents('line-in', ['b', 'c'], 2))).toEqual(['c']);
      expect(await store.transaction((tx) => tx.campaigns.markWebhookEvents('line-other', ['a'], 3))).toEqual(['a']);
    });

    /** Two users with a bit of everything: u-1's history, and u-2's that must stay as it is. */
    const seedHistories = () =>
      store.transaction(async (tx) => {
        await tx.campaigns.insertEntries([
          entry('e-pending'),
          entry('e-done', { state: 'done' }),
          entry('e-u2', { user_id: 'u-2' }),
        ]);
        await tx.campaigns.insertTimeline([timeline('t1'), timeline('t2', { user_id: 'u-2' })]);
        await tx.campaigns.insertMessages([message('m1'), message('m2', { user_id: 'u-2', recipient: 'U2' })]);
        await tx.campaigns.insertSandboxMessages([
          {
            message_id: 'm1',
            channel_id: 'line-main',
            channel_type: 'line',
            recipient: 'U1',
            payload: {},
            received_at: 5,
          },
          {
            message_id: 'm2',
            channel_id: 'line-main',
            channel_type: 'line',
            recipient: 'U2',
            payload: {},
            received_at: 5,
          },
        ]);
        await tx.campaigns.upsertReceipts([
          { user_id: 'u-1', campaign_id: 'cart', last_received_at: 50, converted_at: 55 },
          { user_id: 'u-1', campaign_id: 'promo', last_received_at: 10, converted_at: null },
          { user_id: 'u-2', campaign_id: 'cart', last_received_at: 20, converted_at: null },
          { user_id: 'u-2', campaign_id: 'promo', last_received_at: 30, converted_at: 31 },
        ]);
      });

    test('forgetting a user deletes their history and keeps their pending sends, emptied, to be suppressed', async () => {
      await seedHistories();
      await store.transaction((tx) => tx.campaigns.forgetUser('u-1'));
      expect(await store.read((r) => r.campaigns.listTimeline('u-1'))).toEqual([]);
      expect(await store.read((r) => r.campaigns.listMessages({ user_id: 'u-1' }))).toEqual([]);
      expect((await store.read((r) => r.campaigns.listSandboxMessages({}))).map((m) => m.message_id)).toEqual(['m2']);
      expect(await store.read((r) => r.campaigns.receipts(['u-1']))).toEqual([]);
      expect(await store.read((r) => r.campaigns.pendingEntries(['u-1']))).toEqual([
        entry('e-pending', { context: {} }),
      ]);
      expect(await store.transaction((tx) => tx.campaigns.finishEntries(['e-done'], 9))).toEqual([]);
      // u-2 is untouched.
      expect((await store.read((r) => r.campaigns.listTimeline('u-2'))).map((t) => t.id)).toEqual(['t2']);
      expect((await store.read((r) => r.campaigns.listMessages({ user_id: 'u-2' }))).map((m) => m.id)).toEqual(['m2']);
      expect(await store.read((r) => r.campaigns.receipts(['u-2']))).toHaveLength(2);
      expect((await store.read((r) => r.campaigns.pendingEntries(['u-2']))).map((e) => e.id)).toEqual(['e-u2']);
    });

    test('a merged user’s history moves to the profile it merged into; per campaign the later receipt wins', async () => {
      await seedHistories();
      await store.transaction((tx) => tx.campaigns.moveUserHistory('u-1', 'u-2'));
      expect(await store.read((r) => r.campaigns.listTimeline('u-1'))).toEqual([]);
      expect((await store.read((r) => r.campaigns.listTimeline('u-2'))).map((t) => t.id).sort()).toEqual(['t1', 't2']);
      expect((await store.read((r) => r.campaigns.listMessages({ user_id: 'u-2' }))).map((m) => m.id).sort()).toEqual([
        'm1',
        'm2',
      ]);
      expect((await store.read((r) => r.campaigns.pendingEntries(['u-2']))).map((e) => e.id).sort()).toEqual([
        'e-pending',
        'e-u2',
      ]);
      expect(await store.read((r) => r.campaigns.receipts(['u-1']))).toEqual([]);
      const receipts = (await store.read((r) => r.campaigns.receipts(['u-2']))).sort((a, b) =>
        a.campaign_id.localeCompare(b.campaign_id),
      );
      expect(receipts).toEqual([
        { user_id: 'u-2', campaign_id: 'cart', last_received_at: 50, converted_at: 55 },
        { user_id: 'u-2', campaign_id: 'promo', last_received_at: 30, converted_at: 31 },
      ]);
    });
  });
}
