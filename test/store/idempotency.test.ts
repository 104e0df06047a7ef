import { afterEach, expect, test } from 'vitest';
import { IDEMPOTENCY_ABANDONED_MS } from '../../src/core/idempotency.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { claimIdempotencyKey, recordIdempotentAnswer, releaseIdempotencyKey } from '../../src/engine/idempotency.ts';
import { describeEachStore, openTestStore, type OpenedStore } from '../support/stores.ts';

/** Idempotency keys in the store: claims, answers, releases and takeovers, on both stores. */
describeEachStore('idempotency keys', (kind) => {
  let opened: OpenedStore;
  let engine: Engine;
  let clock: ManualClock;
  afterEach(async () => {
    await opened?.cleanup();
  });
  const open = async () => {
    opened = await openTestStore(kind);
    clock = new ManualClock('2026-03-06T08:00:00Z');
    engine = createEngine(opened.store, clock);
  };
  const answer = { status: 201, content_type: 'application/json', body: '{"message":"success"}' };

  test('claimed, then in progress, then the recorded answer is replayed', async () => {
    await open();
    const first = await claimIdempotencyKey(engine, 'key-1', 'k', 'h');
    expect(first.kind).toBe('run');
    expect((await claimIdempotencyKey(engine, 'key-1', 'k', 'h')).kind).toBe('in_progress');
    if (first.kind !== 'run') throw new Error('unreachable');
    await recordIdempotentAnswer(engine, first.claim, answer);
    expect(await claimIdempotencyKey(engine, 'key-1', 'k', 'h')).toEqual({ kind: 'replay', answer });
    expect(await claimIdempotencyKey(engine, 'key-1', 'k', 'other')).toEqual({ kind: 'mismatch' });
    expect((await claimIdempotencyKey(engine, 'key-2', 'k', 'h')).kind).toBe('run');
  });

  test('a released key runs again; an abandoned claim is taken over once', async () => {
    await open();
    const first = await claimIdempotencyKey(engine, 'key-1', 'k', 'h');
    if (first.kind !== 'run') throw new Error(`expected run, got ${first.kind}`);
    await releaseIdempotencyKey(engine, first.claim);
    const second = await claimIdempotencyKey(engine, 'key-1', 'k', 'h');
    expect(second.kind).toBe('run');
    clock.advance(IDEMPOTENCY_ABANDONED_MS);
    const [a, b] = await Promise.all([
      claimIdempotencyKey(engine, 'key-1', 'k', 'h'),
      claimIdempotencyKey(engine, 'key-1', 'k', 'h'),
    ]);
    expect([a.kind, b.kind].sort()).toEqual(['in_progress', 'run']);
    // The abandoned request's late answer is not recorded over the new claim.
    if (second.kind !== 'run') throw new Error('unreachable');
    await recordIdempotentAnswer(engine, second.claim, { ...answer, body: 'late' });
    expect((await claimIdempotencyKey(engine, 'key-1', 'k', 'h')).kind).toBe('in_progress');
  });
});
