import { newUserRecord } from '../../src/core/user.ts';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { EventRecord } from '../../src/core/event.ts';
import { emptyUserKeys, type UserKeys } from '../../src/core/identifiers.ts';
import type { UserRecord } from '../../src/core/user.ts';
import type { SubscriptionGroup } from '../../src/schemas/subscription-group.ts';
import type { Store } from '../../src/store/store.ts';
import type { ApiKeyRecord } from '../../src/core/api-key.ts';

/**
 * The behaviour every `Store` implementation must have. `open` returns a new, empty store that has
 * NOT been migrated yet (the suite migrates it), and a `cleanup` that closes and discards it.
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('lifecycle', () => {
      test('migrate applies the schema once; running it again applies nothing', async () => {
        const first = await store.migrate();
        expect(first.applied.length).toBeGreaterThan(0);
        expect(first.applied[0]).toMatch(/^1 /);
        expect(first.current).toBeGreaterThanOrEqual(1);
        expect(first.applied.at(-1)).toMatch(new RegExp(`^${first.current} `));

        const second = await store.migrate();
        expect(second).toEqual({ applied: [], current: first.current });
      });

      test('ping resolves', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      test('close may be called more than once', async () => {
        await store.migrate();
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });
    });

    describe('with the schema migrated', () => {
      beforeEach(async () => {
        await store.migrate();
      });

      describe('settings', () => {
        test('start empty, and put merges keys into what is stored', async () => {
          expect(await store.read((r) => r.getSettings())).toEqual({});

          await store.transaction((tx) => tx.putSettings({ company_time_zone: 'Asia/Tokyo', public_url: null }));
          expect(await store.read((r) => r.getSettings())).toEqual({
            company_time_zone: 'Asia/Tokyo',
            public_url: null,
          });

          await store.transaction((tx) => tx.putSettings({ company_time_zone: 'UTC', default_country: 'JP' }));
          expect(await store.read((r) => r.getSettings())).toEqual({
            company_time_zone: 'UTC',
            default_country: 'JP',
            public_url: null,
          });

          await store.transaction((tx) => tx.putSettings({ public_url: 'https://tidings.example.com/' }));
          expect(await store.read((r) => r.getSettings())).toEqual({
            company_time_zone: 'UTC',
            default_country: 'JP',
            public_url: 'https://tidings.example.com/',
          });
        });
      });

      describe('users', () => {
        const alice = () =>
          user('u-alice', {
            external_id: 'ext-alice',
            email: 'alice@example.com',
            phone: '+14155550100',
            line_id: 'U-line-alice',
            standard: {
              first_name: 'Alice',
              last_name: 'Ålander',
              country: 'SE',
              email_subscribe: 'opted_in',
              dob: null,
            },
            custom: {
              plan: 'gold',
              visits: 12,
              ratio: 0.25,
              vip: true,
              tags: ['a', 'b'],
              nested: { deep: [1, { x: null }] },
              note: '日本語 😀',
            },
            last_interacted_channel: 'email',
          });
        const bob = () =>
          user('u-bob', {
            external_id: 'ext-bob',
            email: 'bob@example.com',
            phone: '+14155550101',
            line_id: 'U-line-bob',
          });

        async function seed(): Promise<void> {
          await store.transaction(async (tx) => {
            await tx.insertUsers([alice(), bob()]);
            await tx.insertAliases([
              { user_id: 'u-alice', alias_label: 'crm', alias_name: 'A-1' },
              { user_id: 'u-alice', alias_label: 'shop', alias_name: 'S-9' },
              { user_id: 'u-bob', alias_label: 'crm', alias_name: 'B-1' },
            ]);
            await tx.upsertSubscriptions([
              { user_id: 'u-alice', group_id: 'news', state: 'subscribed', changed_at: 1_700_000_000_100 },
              { user_id: 'u-alice', group_id: 'promo', state: 'unsubscribed', changed_at: 1_700_000_000_200 },
            ]);
          });
        }

        const expectedAlice = (): UserRecord => ({
          ...alice(),
          aliases: [
            { alias_label: 'crm', alias_name: 'A-1' },
            { alias_label: 'shop', alias_name: 'S-9' },
          ],
          subscriptions: {
            news: { state: 'subscribed', changed_at: 1_700_000_000_100 },
            promo: { state: 'unsubscribed', changed_at: 1_700_000_000_200 },
          },
        });
        const expectedBob = (): UserRecord => ({
          ...bob(),
          aliases: [{ alias_label: 'crm', alias_name: 'B-1' }],
          subscriptions: {},
        });

        test('loadUsers with no keys, or keys nobody has, finds nobody', async () => {
          await seed();
          expect(await load(store, {})).toEqual([]);
          expect(
            await load(store, {
              ids: ['nope'],
              externalIds: ['nope'],
              emails: ['nope@example.com'],
              phones: ['+10000000000'],
              lineIds: ['nope'],
              aliases: [{ alias_label: 'crm', alias_name: 'nope' }],
            }),
          ).toEqual([]);
        });

        test.each<[string, Partial<UserKeys>]>([
          ['id', { ids: ['u-alice'] }],
          ['external_id', { externalIds: ['ext-alice'] }],
          ['alias', { aliases: [{ alias_label: 'shop', alias_name: 'S-9' }] }],
          ['email', { emails: ['alice@example.com'] }],
          ['phone', { phones: ['+14155550100'] }],
          ['line_id', { lineIds: ['U-line-alice'] }],
        ])('loadUsers by %s returns the whole profile with aliases and subscriptions', async (_kind, keys) => {
          await seed();
          const found = await load(store, keys);
          expect(found).toEqual([expectedAlice()]);
          // Inside a transaction too (where the PostgreSQL store locks the rows).
          expect(normalize(await store.transaction((tx) => tx.loadUsers(keysOf(keys))))).toEqual([expectedAlice()]);
        });

        test('loadUsers by several keys returns each matching user once', async () => {
          await seed();
          const found = await load(store, {
            ids: ['u-alice', 'u-bob'],
            externalIds: ['ext-alice', 'ext-bob'],
            emails: ['alice@example.com'],
            phones: ['+14155550101'],
            lineIds: ['U-line-alice'],
            aliases: [
              { alias_label: 'crm', alias_name: 'A-1' },
              { alias_label: 'crm', alias_name: 'B-1' },
            ],
          });
          expect(found).toEqual([expectedAlice(), expectedBob()]);
        });

        test('an alias matches on label and name together', async () => {
          await seed();
          // crm=S-9 mixes Alice's labels and names, but nobody has exactly that alias.
          expect(await load(store, { aliases: [{ alias_label: 'crm', alias_name: 'S-9' }] })).toEqual([]);
          expect(await load(store, { aliases: [{ alias_label: 'crm', alias_name: 'B-1' }] })).toEqual([expectedBob()]);
        });

        test('every profile sharing an email or phone is returned', async () => {
          await seed();
          await store.transaction((tx) =>
            tx.insertUsers([
              user('u-anon-1', { email: 'alice@example.com' }),
              user('u-anon-2', { phone: '+14155550100' }),
            ]),
          );
          expect((await load(store, { emails: ['alice@example.com'] })).map((u) => u.id)).toEqual([
            'u-alice',
            'u-anon-1',
          ]);
          expect((await load(store, { phones: ['+14155550100'] })).map((u) => u.id)).toEqual(['u-alice', 'u-anon-2']);
        });

        test('numbers come back as numbers, JSON as values', async () => {
          await seed();
          const [found] = await load(store, { ids: ['u-alice'] });
          expect(found!.created_at).toBe(1_700_000_000_000);
          expect(typeof found!.created_at).toBe('number');
          expect(typeof found!.updated_at).toBe('number');
          expect(typeof found!.subscriptions.news!.changed_at).toBe('number');
          expect(found!.custom).toEqual(alice().custom);
          expect(found!.standard).toEqual(alice().standard);
          const count = await store.read((r) => r.countUsers());
          expect(count).toBe(2);
          expect(typeof count).toBe('number');
        });

        test('a user with nothing but an id round-trips with nulls and empty objects', async () => {
          const bare = user('u-bare');
          await store.transaction((tx) => tx.insertUsers([bare]));
          expect(await load(store, { ids: ['u-bare'] })).toEqual([bare]);
        });

        test('insertUsers writes a batch; countUsers counts it', async () => {
          const many = Array.from({ length: 60 }, (_, i) =>
            user(`u-${String(i).padStart(3, '0')}`, { external_id: i % 2 ? `ext-${i}` : null }),
          );
          await store.transaction((tx) => tx.insertUsers(many));
          expect(await store.read((r) => r.countUsers())).toBe(60);
          const found = await load(store, { ids: many.map((u) => u.id) });
          expect(found).toEqual(many);
        });

        test('userIdsAfter pages through every profile in id order', async () => {
          const many = Array.from({ length: 25 }, (_, i) => user(`u-${String(24 - i).padStart(3, '0')}`));
          await store.transaction((tx) => tx.insertUsers(many));
          const pages: string[][] = [];
          for (let after: string | null = null; ; ) {
            const page: string[] = await store.read((r) => r.userIdsAfter(after, 10));
            if (page.length === 0) break;
            pages.push(page);
            after = page.at(-1)!;
          }
          expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
          expect(pages.flat()).toEqual(many.map((u) => u.id).sort());
        });

        test('updateUsers writes the profile columns and leaves created_at, aliases and subscriptions alone', async () => {
          await seed();
          const changed: UserRecord = {
            ...alice(),
            external_id: 'ext-alice-2',
            email: 'alice@new.example.com',
            phone: null,
            line_id: 'U-line-alice-2',
            standard: { first_name: 'Alicia' },
            custom: { plan: 'platinum', visits: 13 },
            last_interacted_channel: 'line',
            created_at: 1,
            updated_at: 1_700_000_999_000,
            // Not written by updateUsers:
            aliases: [{ alias_label: 'other', alias_name: 'X' }],
            subscriptions: { other: { state: 'subscribed', changed_at: 5 } },
          };
          await store.transaction((tx) => tx.updateUsers([changed]));

          expect(await load(store, { externalIds: ['ext-alice'] })).toEqual([]);
          expect(await load(store, { phones: ['+14155550100'] })).toEqual([]);
          expect(await load(store, { externalIds: ['ext-alice-2'] })).toEqual([
            {
              ...expectedAlice(),
              external_id: 'ext-alice-2',
              email: 'alice@new.example.com',
              phone: null,
              line_id: 'U-line-alice-2',
              standard: { first_name: 'Alicia' },
              custom: { plan: 'platinum', visits: 13 },
              last_interacted_channel: 'line',
              updated_at: 1_700_000_999_000,
            },
          ]);
          expect(await load(store, { ids: ['u-bob'] })).toEqual([expectedBob()]);
        });

        test('updateUsers writes several users in one call; the last record of a user wins', async () => {
          await seed();
          await store.transaction((tx) =>
            tx.updateUsers([
              { ...alice(), custom: { n: 1 }, updated_at: 10 },
              { ...bob(), custom: { n: 2 }, updated_at: 20 },
              { ...alice(), custom: { n: 3 }, updated_at: 30 },
            ]),
          );
          const found = await load(store, { ids: ['u-alice', 'u-bob'] });
          expect(found.map((u) => [u.id, u.custom, u.updated_at])).toEqual([
            ['u-alice', { n: 3 }, 30],
            ['u-bob', { n: 2 }, 20],
          ]);
        });

        test('a second user with the same external_id is refused, and nothing of that transaction is kept', async () => {
          await seed();
          await expect(
            store.transaction(async (tx) => {
              await tx.insertUsers([user('u-new', { external_id: 'ext-new' })]);
              await tx.insertUsers([user('u-dup', { external_id: 'ext-alice' })]);
            }),
          ).rejects.toThrow();
          expect(await load(store, { ids: ['u-new', 'u-dup'], externalIds: ['ext-new'] })).toEqual([]);
          expect(await store.read((r) => r.countUsers())).toBe(2);

          await expect(
            store.transaction((tx) => tx.updateUsers([{ ...bob(), external_id: 'ext-alice' }])),
          ).rejects.toThrow();
          expect(await load(store, { ids: ['u-bob'] })).toEqual([expectedBob()]);
        });

        test('any number of users may have no external_id', async () => {
          await store.transaction((tx) => tx.insertUsers([user('u-1'), user('u-2'), user('u-3')]));
          expect(await store.read((r) => r.countUsers())).toBe(3);
        });
      });

      describe('aliases', () => {
        test('an alias belongs to one user, and a user has one alias per label', async () => {
          await store.transaction((tx) => tx.insertUsers([user('u-1'), user('u-2')]));
          await store.transaction((tx) =>
            tx.insertAliases([{ user_id: 'u-1', alias_label: 'crm', alias_name: 'C-1' }]),
          );

          // The same (label, name) on another user.
          await expect(
            store.transaction((tx) => tx.insertAliases([{ user_id: 'u-2', alias_label: 'crm', alias_name: 'C-1' }])),
          ).rejects.toThrow();
          // A second name under the same label for the same user.
          await expect(
            store.transaction((tx) => tx.insertAliases([{ user_id: 'u-1', alias_label: 'crm', alias_name: 'C-2' }])),
          ).rejects.toThrow();

          // The same name under another label, and the same label on another user, are fine.
          await store.transaction((tx) =>
            tx.insertAliases([
              { user_id: 'u-1', alias_label: 'shop', alias_name: 'C-1' },
              { user_id: 'u-2', alias_label: 'crm', alias_name: 'C-2' },
            ]),
          );
          const found = await load(store, { ids: ['u-1', 'u-2'] });
          expect(found.map((u) => [u.id, u.aliases])).toEqual([
            [
              'u-1',
              [
                { alias_label: 'crm', alias_name: 'C-1' },
                { alias_label: 'shop', alias_name: 'C-1' },
              ],
            ],
            ['u-2', [{ alias_label: 'crm', alias_name: 'C-2' }]],
          ]);
        });

        test('aliases with unicode and spaces are found by exact match', async () => {
          await store.transaction(async (tx) => {
            await tx.insertUsers([user('u-1')]);
            await tx.insertAliases([
              { user_id: 'u-1', alias_label: 'ラベル label', alias_name: 'näme "quoted" \\ {braces}, comma' },
            ]);
          });
          expect(
            (
              await load(store, {
                aliases: [{ alias_label: 'ラベル label', alias_name: 'näme "quoted" \\ {braces}, comma' }],
              })
            ).map((u) => u.id),
          ).toEqual(['u-1']);
          expect(await load(store, { aliases: [{ alias_label: 'ラベル label', alias_name: 'näme' }] })).toEqual([]);
        });
      });

      describe('subscriptions', () => {
        test('upsertSubscriptions inserts, then replaces state and changed_at', async () => {
          await store.transaction((tx) => tx.insertUsers([user('u-1'), user('u-2')]));
          await store.transaction((tx) =>
            tx.upsertSubscriptions([
              { user_id: 'u-1', group_id: 'news', state: 'subscribed', changed_at: 100 },
              { user_id: 'u-2', group_id: 'news', state: 'unsubscribed', changed_at: 200 },
            ]),
          );
          await store.transaction((tx) =>
            tx.upsertSubscriptions([
              { user_id: 'u-1', group_id: 'news', state: 'unsubscribed', changed_at: 300 },
              { user_id: 'u-1', group_id: 'promo', state: 'subscribed', changed_at: 400 },
            ]),
          );
          const found = await load(store, { ids: ['u-1', 'u-2'] });
          expect(found.map((u) => [u.id, u.subscriptions])).toEqual([
            [
              'u-1',
              {
                news: { state: 'unsubscribed', changed_at: 300 },
                promo: { state: 'subscribed', changed_at: 400 },
              },
            ],
            ['u-2', { news: { state: 'unsubscribed', changed_at: 200 } }],
          ]);
        });

        test('the last change of a (user, group) in one call wins', async () => {
          await store.transaction((tx) => tx.insertUsers([user('u-1')]));
          await store.transaction((tx) =>
            tx.upsertSubscriptions([
              { user_id: 'u-1', group_id: 'news', state: 'subscribed', changed_at: 100 },
              { user_id: 'u-1', group_id: 'news', state: 'unsubscribed', changed_at: 101 },
            ]),
          );
          expect((await load(store, { ids: ['u-1'] }))[0]!.subscriptions).toEqual({
            news: { state: 'unsubscribed', changed_at: 101 },
          });
        });
      });

      describe('events', () => {
        test('insertEvents / listEvents: newest first, ties by id descending, only that user, limit', async () => {
          await store.transaction(async (tx) => {
            await tx.insertUsers([user('u-1'), user('u-2')]);
            await tx.insertEvents([
              event('e-01', 'u-1', { time: 1_700_000_000_000 }),
              event('e-03', 'u-1', { time: 1_700_000_000_300 }),
              event('e-02', 'u-1', { time: 1_700_000_000_200 }),
              event('e-05', 'u-1', { time: 1_700_000_000_300 }),
              event('e-04', 'u-2', { time: 1_700_000_000_400 }),
            ]);
          });
          const listed = await store.read((r) => r.listEvents('u-1'));
          expect(listed.map((e) => e.id)).toEqual(['e-05', 'e-03', 'e-02', 'e-01']);
          expect(listed[3]).toEqual(event('e-01', 'u-1', { time: 1_700_000_000_000 }));
          expect(typeof listed[0]!.time).toBe('number');
          expect(typeof listed[0]!.received_at).toBe('number');

          expect((await store.read((r) => r.listEvents('u-1', { limit: 2 }))).map((e) => e.id)).toEqual([
            'e-05',
            'e-03',
          ]);
          expect((await store.read((r) => r.listEvents('u-2'))).map((e) => e.id)).toEqual(['e-04']);
          expect(await store.read((r) => r.listEvents('nobody'))).toEqual([]);
        });

        test('listEvents returns at most 100 by default', async () => {
          const events = Array.from({ length: 120 }, (_, i) =>
            event(`e-${String(i).padStart(3, '0')}`, 'u-1', { time: 1_700_000_000_000 + i }),
          );
          await store.transaction(async (tx) => {
            await tx.insertUsers([user('u-1')]);
            await tx.insertEvents(events);
          });
          const listed = await store.read((r) => r.listEvents('u-1'));
          expect(listed).toHaveLength(100);
          expect(listed[0]!.id).toBe('e-119');
          expect(listed[99]!.id).toBe('e-020');
          expect(await store.read((r) => r.listEvents('u-1', { limit: 1000 }))).toHaveLength(120);
        });

        test('purchases, unicode and nested properties round-trip', async () => {
          const purchase = event('e-p', 'u-1', {
            name: 'purchase',
            time: 1_700_000_000_500,
            purchase: { product_id: 'sku-ü-1', currency: 'JPY', price: 1999.5, quantity: 3 },
            properties: { coupon: null, gift: true, count: 0, big: 9_007_199_254_740_991, neg: -12.75 },
          });
          const unicode = event('e-u', 'u-1', {
            name: 'レビュー投稿 ✍️',
            time: 1_700_000_000_400,
            source: 'system',
            properties: {
              text: 'こんにちは 世界 😀👨‍👩‍👧 مرحبا café ñ',
              'キー 🔑': 'value with "quotes", \\backslashes\\, {braces}, commas and\nnewlines\ttabs',
              nested: { list: [1, 'two', { three: [3.5, false, null] }], empty: {}, none: [] },
            },
          });
          await store.transaction(async (tx) => {
            await tx.insertUsers([user('u-1')]);
            await tx.insertEvents([purchase, unicode]);
          });
          expect(await store.read((r) => r.listEvents('u-1'))).toEqual([purchase, unicode]);
        });

        test('insertEvents with nothing to insert is a no-op', async () => {
          await store.transaction((tx) => tx.insertEvents([]));
          expect(await store.read((r) => r.listEvents('u-1'))).toEqual([]);
        });
      });

      describe('deleteUser', () => {
        test('removes the profile, its aliases, subscriptions and events, and nothing of anyone else', async () => {
          await store.transaction(async (tx) => {
            await tx.insertUsers([user('u-1', { external_id: 'ext-1' }), user('u-2', { external_id: 'ext-2' })]);
            await tx.insertAliases([
              { user_id: 'u-1', alias_label: 'crm', alias_name: 'C-1' },
              { user_id: 'u-2', alias_label: 'crm', alias_name: 'C-2' },
            ]);
            await tx.upsertSubscriptions([
              { user_id: 'u-1', group_id: 'news', state: 'subscribed', changed_at: 1 },
              { user_id: 'u-2', group_id: 'news', state: 'subscribed', changed_at: 2 },
            ]);
            await tx.insertEvents([event('e-1', 'u-1'), event('e-2', 'u-2')]);
          });

          await store.transaction((tx) => tx.deleteUser('u-1'));

          expect(
            await load(store, {
              ids: ['u-1'],
              externalIds: ['ext-1'],
              aliases: [{ alias_label: 'crm', alias_name: 'C-1' }],
            }),
          ).toEqual([]);
          expect(await store.read((r) => r.listEvents('u-1'))).toEqual([]);
          expect(await store.read((r) => r.countUsers())).toBe(1);

          // The alias is free again, and a new profile with the old id starts with nothing attached.
          await store.transaction(async (tx) => {
            await tx.insertUsers([user('u-1')]);
            await tx.insertAliases([{ user_id: 'u-2', alias_label: 'shop', alias_name: 'C-1' }]);
          });
          expect(await load(store, { ids: ['u-1'] })).toEqual([user('u-1')]);
          expect(await load(store, { aliases: [{ alias_label: 'crm', alias_name: 'C-1' }] })).toEqual([]);

          const [other] = await load(store, { ids: ['u-2'] });
          expect(other!.aliases).toEqual([
            { alias_label: 'crm', alias_name: 'C-2' },
            { alias_label: 'shop', alias_name: 'C-1' },
          ]);
          expect(other!.subscriptions).toEqual({ news: { state: 'subscribed', changed_at: 2 } });
          expect((await store.read((r) => r.listEvents('u-2'))).map((e) => e.id)).toEqual(['e-2']);
        });

        test('deleting a user that does not exist does nothing', async () => {
          await store.transaction((tx) => tx.insertUsers([user('u-1')]));
          await store.transaction((tx) => tx.deleteUser('u-nope'));
          expect(await store.read((r) => r.countUsers())).toBe(1);
        });
      });

      describe('moveUserData', () => {
        test('moves all events, and only the aliases and subscriptions the target lacks', async () => {
          await store.transaction(async (tx) => {
            await tx.insertUsers([user('u-from'), user('u-to')]);
            await tx.insertAliases([
              { user_id: 'u-from', alias_label: 'crm', alias_name: 'FROM-CRM' },
              { user_id: 'u-from', alias_label: 'shop', alias_name: 'FROM-SHOP' },
              { user_id: 'u-to', alias_label: 'shop', alias_name: 'TO-SHOP' },
            ]);
            await tx.upsertSubscriptions([
              { user_id: 'u-from', group_id: 'news', state: 'subscribed', changed_at: 10 },
              { user_id: 'u-from', group_id: 'promo', state: 'subscribed', changed_at: 11 },
              { user_id: 'u-to', group_id: 'promo', state: 'unsubscribed', changed_at: 20 },
            ]);
            await tx.insertEvents([
              event('e-1', 'u-from', { time: 100 }),
              event('e-2', 'u-from', { time: 300 }),
              event('e-3', 'u-to', { time: 200 }),
            ]);
          });

          await store.transaction((tx) => tx.moveUserData('u-from', 'u-to'));

          const [from, to] = await load(store, { ids: ['u-from', 'u-to'] });
          expect(to!.aliases).toEqual([
            { alias_label: 'crm', alias_name: 'FROM-CRM' },
            { alias_label: 'shop', alias_name: 'TO-SHOP' },
          ]);
          expect(to!.subscriptions).toEqual({
            news: { state: 'subscribed', changed_at: 10 },
            promo: { state: 'unsubscribed', changed_at: 20 },
          });
          expect(from!.aliases).toEqual([{ alias_label: 'shop', alias_name: 'FROM-SHOP' }]);
          expect(from!.subscriptions).toEqual({ promo: { state: 'subscribed', changed_at: 11 } });

          expect((await store.read((r) => r.listEvents('u-to'))).map((e) => e.id)).toEqual(['e-2', 'e-3', 'e-1']);
          expect((await store.read((r) => r.listEvents('u-to')))[0]!.user_id).toBe('u-to');
          expect(await store.read((r) => r.listEvents('u-from'))).toEqual([]);
          expect(
            (await load(store, { aliases: [{ alias_label: 'crm', alias_name: 'FROM-CRM' }] })).map((u) => u.id),
          ).toEqual(['u-to']);
        });
      });

      describe('subscription groups', () => {
        const news: SubscriptionGroup = {
          id: 'news',
          name: 'Newsletter 📰',
          channel_type: 'email',
          description: 'Weekly news',
        };
        const sms: SubscriptionGroup = {
          id: 'alerts-sms',
          name: 'SMS alerts',
          channel_type: 'sms',
          opt_in_reply: 'Welcome!',
          opt_out_reply: 'Bye.',
          help_reply: 'Reply STOP to stop.',
          keyword_categories: [{ category: 'opt_out', keywords: ['STOP', 'ARRÊT'], reply: 'Stopped.' }],
        };

        test('put / get / list / delete', async () => {
          expect(await store.read((r) => r.getSubscriptionGroup('news'))).toBeNull();
          expect(await store.read((r) => r.listSubscriptionGroups())).toEqual([]);

          await store.transaction(async (tx) => {
            await tx.putSubscriptionGroup(news);
            await tx.putSubscriptionGroup(sms);
          });
          expect(await store.read((r) => r.getSubscriptionGroup('news'))).toEqual(news);
          expect(await store.read((r) => r.getSubscriptionGroup('alerts-sms'))).toEqual(sms);
          expect(await store.read((r) => r.listSubscriptionGroups())).toEqual([sms, news]);

          const renamed: SubscriptionGroup = { id: 'news', name: 'Daily news', channel_type: 'email' };
          await store.transaction((tx) => tx.putSubscriptionGroup(renamed));
          expect(await store.read((r) => r.getSubscriptionGroup('news'))).toEqual(renamed);
          expect(await store.read((r) => r.listSubscriptionGroups())).toEqual([sms, renamed]);

          expect(await store.transaction((tx) => tx.deleteSubscriptionGroup('news'))).toBe(true);
          expect(await store.transaction((tx) => tx.deleteSubscriptionGroup('news'))).toBe(false);
          expect(await store.transaction((tx) => tx.deleteSubscriptionGroup('never-existed'))).toBe(false);
          expect(await store.read((r) => r.getSubscriptionGroup('news'))).toBeNull();
          expect(await store.read((r) => r.listSubscriptionGroups())).toEqual([sms]);
        });
      });

      describe('api keys', () => {
        const admin: ApiKeyRecord = {
          id: 'k-2',
          name: 'Admin ✔',
          hash: 'a'.repeat(64),
          permissions: ['*'],
          created_at: 1_700_000_000_000,
        };
        const track: ApiKeyRecord = {
          id: 'k-1',
          name: 'Tracking',
          hash: 'b'.repeat(64),
          permissions: ['users.track', 'users.export.ids'],
          created_at: 1_700_000_000_000,
        };
        const later: ApiKeyRecord = {
          id: 'k-0',
          name: 'Later',
          hash: 'c'.repeat(64),
          permissions: [],
          created_at: 1_700_000_000_001,
        };

        test('insert / findByHash / list (oldest first, then by id) / delete', async () => {
          expect(await store.read((r) => r.listApiKeys())).toEqual([]);
          await store.transaction(async (tx) => {
            await tx.insertApiKey(later);
            await tx.insertApiKey(admin);
            await tx.insertApiKey(track);
          });
          expect(await store.read((r) => r.findApiKeyByHash('a'.repeat(64)))).toEqual(admin);
          expect(await store.read((r) => r.findApiKeyByHash('b'.repeat(64)))).toEqual(track);
          expect(await store.read((r) => r.findApiKeyByHash('d'.repeat(64)))).toBeNull();
          const listed = await store.read((r) => r.listApiKeys());
          expect(listed).toEqual([track, admin, later]);
          expect(typeof listed[0]!.created_at).toBe('number');

          expect(await store.transaction((tx) => tx.deleteApiKey('k-2'))).toBe(true);
          expect(await store.transaction((tx) => tx.deleteApiKey('k-2'))).toBe(false);
          expect(await store.read((r) => r.findApiKeyByHash('a'.repeat(64)))).toBeNull();
          expect(await store.read((r) => r.listApiKeys())).toEqual([track, later]);
        });

        test('a hash is stored once', async () => {
          await store.transaction((tx) => tx.insertApiKey(admin));
          await expect(store.transaction((tx) => tx.insertApiKey({ ...track, hash: admin.hash }))).rejects.toThrow();
          expect(await store.read((r) => r.listApiKeys())).toEqual([admin]);
        });
      });

      describe('transactions', () => {
        test('a unit of work that throws leaves nothing written', async () => {
          await expect(
            store.transaction(async (tx) => {
              await tx.putSettings({ company_time_zone: 'Asia/Tokyo' });
              await tx.insertUsers([user('u-1', { external_id: 'ext-1' })]);
              await tx.insertAliases([{ user_id: 'u-1', alias_label: 'crm', alias_name: 'C-1' }]);
              await tx.upsertSubscriptions([{ user_id: 'u-1', group_id: 'news', state: 'subscribed', changed_at: 1 }]);
              await tx.insertEvents([event('e-1', 'u-1')]);
              await tx.putSubscriptionGroup({ id: 'news', name: 'News', channel_type: 'email' });
              await tx.insertApiKey({ id: 'k-1', name: 'k', hash: 'h', permissions: [], created_at: 1 });
              // It sees its own writes…
              expect(await tx.countUsers()).toBe(1);
              expect(
                (await tx.loadUsers(keysOf({ aliases: [{ alias_label: 'crm', alias_name: 'C-1' }] })))[0]!
                  .subscriptions,
              ).toEqual({
                news: { state: 'subscribed', changed_at: 1 },
              });
              throw new Error('boom');
            }),
          ).rejects.toThrow('boom');

          // …and none of them survive.
          await store.read(async (r) => {
            expect(await r.getSettings()).toEqual({});
            expect(await r.countUsers()).toBe(0);
            expect(
              await r.loadUsers(
                keysOf({ ids: ['u-1'], externalIds: ['ext-1'], aliases: [{ alias_label: 'crm', alias_name: 'C-1' }] }),
              ),
            ).toEqual([]);
            expect(await r.listEvents('u-1')).toEqual([]);
            expect(await r.listSubscriptionGroups()).toEqual([]);
            expect(await r.listApiKeys()).toEqual([]);
          });
        });

        test('the store is usable after a failed transaction', async () => {
          await expect(store.transaction(async () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
          await store.transaction((tx) => tx.insertUsers([user('u-1')]));
          expect(await store.read((r) => r.countUsers())).toBe(1);
        });

        test('transaction and read return what the work returns', async () => {
          expect(
            await store.transaction(async (tx) => {
              await tx.insertUsers([user('u-1')]);
              return { answer: 42 };
            }),
          ).toEqual({ answer: 42 });
          expect(await store.read(async (r) => (await r.countUsers()) * 2)).toBe(2);
        });

        test('read-modify-write in successive transactions sees each previous commit', async () => {
          await store.transaction((tx) => tx.insertUsers([user('u-1', { external_id: 'ext-1', custom: { n: 0 } })]));
          for (let i = 0; i < 5; i++) {
            await store.transaction(async (tx) => {
              const [found] = await tx.loadUsers(keysOf({ externalIds: ['ext-1'] }));
              await tx.updateUsers([{ ...found!, custom: { n: (found!.custom.n as number) + 1 } }]);
            });
          }
          expect((await load(store, { externalIds: ['ext-1'] }))[0]!.custom).toEqual({ n: 5 });
        });

        test('concurrent transactions all commit', async () => {
          await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              store.transaction(async (tx) => {
                await tx.insertUsers([user(`u-${i}`, { external_id: `ext-${i}` })]);
                await tx.insertEvents([event(`e-${i}`, `u-${i}`)]);
              }),
            ),
          );
          expect(await store.read((r) => r.countUsers())).toBe(10);
          expect((await store.read((r) => r.listEvents('u-7'))).map((e) => e.id)).toEqual(['e-7']);
        });
      });
    });
  });
}

/** A profile with defaults for everything not given. */
export function user(id: string, patch: Partial<UserRecord> = {}): UserRecord {
  return { ...newUserRecord(id, 1_700_000_000_000), ...patch };
}

/** An event with defaults for everything not given. */
export function event(id: string, userId: string, patch: Partial<EventRecord> = {}): EventRecord {
  return {
    id,
    user_id: userId,
    name: 'viewed_item',
    time: 1_700_000_000_000,
    properties: {},
    purchase: null,
    source: 'api',
    received_at: 1_700_000_000_050,
    ...patch,
  };
}

export function keysOf(keys: Partial<UserKeys>): UserKeys {
  return { ...emptyUserKeys(), ...keys };
}

/** Users sorted by id with their aliases sorted, so that results compare regardless of row order. */
export function normalize(users: UserRecord[]): UserRecord[] {
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return users
    .map((u) => ({
      ...u,
      aliases: [...u.aliases].sort(
        (a, b) => byText(a.alias_label, b.alias_label) || byText(a.alias_name, b.alias_name),
      ),
    }))
    .sort((a, b) => byText(a.id, b.id));
}

/** loadUsers through `read()`, normalised. */
export async function load(store: Store, keys: Partial<UserKeys>): Promise<UserRecord[]> {
  return normalize(await store.read((r) => r.loadUsers(keysOf(keys))));
}
