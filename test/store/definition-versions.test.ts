import { afterEach, expect, test } from 'vitest';
import { describeEachStore, openTestStore, type OpenedStore } from '../support/stores.ts';

/** The `definition_versions` table on both stores: added, read back as written, never replaced. */
describeEachStore('definition versions', (kind) => {
  let opened: OpenedStore;
  afterEach(async () => {
    await opened?.cleanup();
  });

  test('versions are kept per (kind, id), listed oldest first, and read back with their documents', async () => {
    opened = await openTestStore(kind);
    const { store } = opened;
    await store.transaction(async (tx) => {
      await tx.definitionVersions.insert({ kind: 'canvas', id: 'c', version: 1, document: { a: 1 }, created_at: 10 });
      await tx.definitionVersions.insert({
        kind: 'canvas',
        id: 'c',
        version: 2,
        document: { a: 2, nested: { b: [1, 'x'] } },
        created_at: 20,
      });
      await tx.definitionVersions.insert({
        kind: 'canvas',
        id: 'd',
        version: 1,
        document: { d: true },
        created_at: 30,
      });
    });
    const read = await store.read(async (r) => ({
      list: await r.definitionVersions.list('canvas', 'c'),
      latest: await r.definitionVersions.latest('canvas', 'c'),
      first: await r.definitionVersions.get('canvas', 'c', 1),
      missing: await r.definitionVersions.get('canvas', 'c', 3),
      none: await r.definitionVersions.latest('canvas', 'nobody'),
      otherKind: await r.definitionVersions.list('campaign', 'c'),
    }));
    expect(read).toEqual({
      list: [
        { version: 1, created_at: 10 },
        { version: 2, created_at: 20 },
      ],
      latest: { kind: 'canvas', id: 'c', version: 2, document: { a: 2, nested: { b: [1, 'x'] } }, created_at: 20 },
      first: { kind: 'canvas', id: 'c', version: 1, document: { a: 1 }, created_at: 10 },
      missing: null,
      none: null,
      otherKind: [],
    });
  });

  test('a version number already taken is refused and the first document stays', async () => {
    opened = await openTestStore(kind);
    const { store } = opened;
    await store.transaction((tx) =>
      tx.definitionVersions.insert({ kind: 'canvas', id: 'c', version: 1, document: { a: 1 }, created_at: 10 }),
    );
    await expect(
      store.transaction((tx) =>
        tx.definitionVersions.insert({ kind: 'canvas', id: 'c', version: 1, document: { a: 'x' }, created_at: 11 }),
      ),
    ).rejects.toThrow();
    expect(await store.read((r) => r.definitionVersions.get('canvas', 'c', 1))).toMatchObject({ document: { a: 1 } });
  });
});
