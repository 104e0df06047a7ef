import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { JourneyInstance } from '../../src/core/journeys/journey.ts';
import type { Store } from '../../src/store/store.ts';
import { user } from './contract.ts';
import { barrier } from '../support/barrier.ts';

export const instance = (id: string, overrides: Partial<JourneyInstance> = {}): JourneyInstance => ({
  id,
  journey_id: 'onboarding',
  version: 1,
  user_id: 'u-1',
  step: 'ask',
  state: 'waiting',
  wake_at: 5000,
  waiting_for: { kind: 'action', best: null },
  context: { entry: { plan: 'gold', seats: 3 }, event_properties: { answer: 'yes' }, inbound: { text: 'YES' } },
  entered_at: 1000,
  updated_at: 2000,
  ...overrides,
});

/** The journey instances' part of the store, for every implementation (same `open` as the store contract). */
export function describeJourneyStoreContract(
  name: string,
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>,
): void {
  describe(`Journey store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      await store.migrate();
    });
    afterEach(async () => {
      await cleanup();
    });

    const get = (id: string) => store.read((r) => r.journeys.getInstance(id));

    test('every field of an instance comes back as written, and an update changes what it names', async () => {
      const waiting = instance('i-1');
      const active = instance('i-2', {
        state: 'active',
        wake_at: null,
        waiting_for: null,
        context: { entry: {} },
        version: 3,
        step: 'welcome',
      });
      await store.transaction((tx) => tx.journeys.insertInstances([waiting, active]));
      expect(await get('i-1')).toEqual(waiting);
      expect(await get('i-2')).toEqual(active);
      expect(await get('i-none')).toBeNull();

      const update = {
        step: 'wait',
        state: 'waiting' as const,
        wake_at: 9000,
        waiting_for: { kind: 'delay' as const },
        context: { entry: { plan: 'gold' }, event_properties: { n: [1, 2] } },
        updated_at: 3000,
      };
      expect(await store.transaction((tx) => tx.journeys.updateInstance('i-2', update))).toBe(true);
      expect(await get('i-2')).toEqual({ ...active, ...update });
      const done = { ...update, state: 'done' as const, wake_at: null, waiting_for: null, updated_at: 4000 };
      await store.transaction((tx) => tx.journeys.updateInstance('i-2', done));
      expect(await get('i-2')).toEqual({ ...active, ...done });
      expect(await store.transaction((tx) => tx.journeys.updateInstance('i-none', done))).toBe(false);
      // The neighbour is untouched.
      expect(await get('i-1')).toEqual(waiting);
    });

    test('a batch larger than one INSERT statement is written whole', async () => {
      const many = Array.from({ length: 250 }, (_, i) => instance(`i-${String(i).padStart(3, '0')}`));
      await store.transaction((tx) => tx.journeys.insertInstances(many));
      expect(await store.read((r) => r.journeys.countByStep('onboarding'))).toEqual([
        { version: 1, step: 'ask', state: 'waiting', count: 250 },
      ]);
    });

    test('waitingForUsers returns the waiting instances of the given users only, oldest entry first', async () => {
      await store.transaction((tx) =>
        tx.journeys.insertInstances([
          instance('a-late', { user_id: 'u-a', entered_at: 300 }),
          instance('a-early', {
            user_id: 'u-a',
            entered_at: 100,
            wake_at: null,
            waiting_for: { kind: 'message_outcome' },
          }),
          instance('a-done', { user_id: 'u-a', state: 'done', wake_at: null, waiting_for: null }),
          instance('a-active', { user_id: 'u-a', state: 'active', wake_at: null, waiting_for: null }),
          instance('b-1', { user_id: 'u-b', entered_at: 200 }),
          instance('c-1', { user_id: 'u-c' }),
        ]),
      );
      const ids = async (userIds: string[]) =>
        (await store.read((r) => r.journeys.waitingForUsers(userIds))).map((i) => i.id);
      expect(await ids(['u-a'])).toEqual(['a-early', 'a-late']);
      expect(await ids(['u-a', 'u-b', 'u-a'])).toEqual(['a-early', 'b-1', 'a-late']);
      expect(await ids(['u-none'])).toEqual([]);
      expect(await ids([])).toEqual([]);
      // In a transaction too (locked on PostgreSQL), with every field.
      expect(await store.transaction((tx) => tx.journeys.waitingForUsers(['u-c']))).toEqual([
        instance('c-1', { user_id: 'u-c' }),
      ]);
    });

    test('due timers are claimed earliest first, up to the limit, and nextDue names the earliest', async () => {
      await store.transaction((tx) =>
        tx.journeys.insertInstances([
          instance('late', { wake_at: 3000 }),
          instance('b-early', { wake_at: 1000 }),
          instance('a-early', { wake_at: 1000 }),
          instance('future', { wake_at: 9000 }),
          instance('no-timer', { wake_at: null, waiting_for: { kind: 'message_outcome' } }),
          instance('active', { state: 'active', wake_at: 500 }),
          instance('done', { state: 'done', wake_at: 500 }),
        ]),
      );
      expect((await store.read((r) => r.campaigns.nextDue())).journeys).toBe(1000);
      const claimed = await store.transaction((tx) => tx.journeys.claimDueInstances(3000, 2));
      expect(claimed).toEqual([instance('a-early', { wake_at: 1000 }), instance('b-early', { wake_at: 1000 })]);
      // Claimed and left as they were, they are due again (the claim ended with its transaction).
      const all = await store.transaction((tx) => tx.journeys.claimDueInstances(3000, 10));
      expect(all.map((i) => i.id)).toEqual(['a-early', 'b-early', 'late']);
      // A claim is finished by the update that moves the instance on.
      await store.transaction(async (tx) => {
        for (const due of await tx.journeys.claimDueInstances(3000, 10))
          await tx.journeys.updateInstance(due.id, { ...due, state: 'done', wake_at: null, updated_at: 3000 });
      });
      expect(await store.transaction((tx) => tx.journeys.claimDueInstances(3000, 10))).toEqual([]);
      expect((await store.read((r) => r.campaigns.nextDue())).journeys).toBe(9000);
      // A rolled-back claim releases the instance: it is due again.
      await expect(
        store.transaction(async (tx) => {
          const [due] = await tx.journeys.claimDueInstances(9000, 10);
          await tx.journeys.updateInstance(due!.id, { ...due!, wake_at: 20_000, updated_at: 9000 });
          throw new Error('advance failed');
        }),
      ).rejects.toThrow('advance failed');
      expect((await store.transaction((tx) => tx.journeys.claimDueInstances(9000, 10))).map((i) => i.id)).toEqual([
        'future',
      ]);
    });

    test('two concurrent claimers never get the same instance', async () => {
      await store.transaction((tx) =>
        tx.journeys.insertInstances(Array.from({ length: 20 }, (_, i) => instance(`i-${i}`, { wake_at: 1000 + i }))),
      );
      // On PostgreSQL both hold their claim until both have claimed; SQLite runs one after the other.
      const bothClaimed = store.kind === 'postgres' ? barrier(2) : async () => {};
      const claimer = () =>
        store.transaction(async (tx) => {
          const claimed = await tx.journeys.claimDueInstances(5000, 12);
          await bothClaimed();
          for (const due of claimed)
            await tx.journeys.updateInstance(due.id, { ...due, state: 'done', wake_at: null, updated_at: 5000 });
          return claimed.map((i) => i.id);
        });
      const [a, b] = await Promise.all([claimer(), claimer()]);
      expect(a.filter((id) => b.includes(id))).toEqual([]);
      expect([...a, ...b].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `i-${i}`).sort());
      expect(Math.max(a.length, b.length)).toBe(12);
    });

    test('waitingForUsers in a transaction waits for a claim of the instance, then sees its update', async () => {
      await store.transaction((tx) => tx.journeys.insertInstances([instance('i-1', { wake_at: 1000 })]));
      let claimedIt!: () => void;
      const claimed = new Promise<void>((resolve) => (claimedIt = resolve));
      const timer = store.transaction(async (tx) => {
        const [due] = await tx.journeys.claimDueInstances(1000, 1);
        claimedIt();
        // Give the event's transaction every chance to read the instance before the update if it were not locked.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await tx.journeys.updateInstance(due!.id, { ...due!, state: 'done', wake_at: null, updated_at: 1000 });
      });
      await claimed;
      const event = store.transaction((tx) => tx.journeys.waitingForUsers(['u-1']));
      await timer;
      expect(await event).toEqual([]);
    });

    test('countByStep counts one journey per version, step and state', async () => {
      await store.transaction((tx) =>
        tx.journeys.insertInstances([
          instance('1', { version: 1, step: 'ask' }),
          instance('2', { version: 1, step: 'ask' }),
          instance('3', { version: 1, step: 'ask', state: 'done', wake_at: null }),
          instance('4', { version: 2, step: 'ask' }),
          instance('5', { version: 2, step: 'thanks', state: 'active' }),
          instance('6', { journey_id: 'other', version: 1, step: 'ask' }),
        ]),
      );
      expect(await store.read((r) => r.journeys.countByStep('onboarding'))).toEqual([
        { version: 1, step: 'ask', state: 'done', count: 1 },
        { version: 1, step: 'ask', state: 'waiting', count: 2 },
        { version: 2, step: 'ask', state: 'waiting', count: 1 },
        { version: 2, step: 'thanks', state: 'active', count: 1 },
      ]);
      expect(await store.read((r) => r.journeys.countByStep('none'))).toEqual([]);
    });

    test("deleting a user forgets its instances' context: finished ones go, unfinished ones are due at once", async () => {
      await store.transaction(async (tx) => {
        await tx.insertUsers([user('u-1'), user('u-2')]);
        await tx.journeys.insertInstances([
          instance('waiting', { wake_at: 9000 }),
          instance('no-timer', { wake_at: null, waiting_for: { kind: 'message_outcome' } }),
          instance('done', { state: 'done', wake_at: null, waiting_for: null }),
          instance('other', { user_id: 'u-2' }),
        ]);
      });
      await store.transaction((tx) => tx.deleteUser('u-1'));
      expect(await get('done')).toBeNull();
      expect(await get('waiting')).toEqual(instance('waiting', { wake_at: 0, context: { entry: {} } }));
      expect(await get('no-timer')).toEqual(
        instance('no-timer', { wake_at: 0, waiting_for: { kind: 'message_outcome' }, context: { entry: {} } }),
      );
      expect(await get('other')).toEqual(instance('other', { user_id: 'u-2' }));
      expect((await store.read((r) => r.campaigns.nextDue())).journeys).toBe(0);
    });

    test('merging a user moves its instances, in their steps and states, to the profile it merged into', async () => {
      await store.transaction(async (tx) => {
        await tx.insertUsers([user('u-from'), user('u-to')]);
        await tx.journeys.insertInstances([
          instance('from-waiting', { user_id: 'u-from' }),
          instance('from-done', { user_id: 'u-from', state: 'done', wake_at: null }),
          instance('to-waiting', { user_id: 'u-to', entered_at: 500 }),
        ]);
      });
      await store.transaction((tx) => tx.moveUserData('u-from', 'u-to'));
      expect(await store.read((r) => r.journeys.waitingForUsers(['u-from']))).toEqual([]);
      expect((await store.read((r) => r.journeys.waitingForUsers(['u-to']))).map((i) => i.id)).toEqual([
        'to-waiting',
        'from-waiting',
      ]);
      expect(await get('from-done')).toEqual(instance('from-done', { user_id: 'u-to', state: 'done', wake_at: null }));
    });
  });
}
