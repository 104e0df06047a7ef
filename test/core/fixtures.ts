/** Plain builders shared by the core unit tests: no IO, no mocks. */
import type { SubscriptionGroup } from '../../src/schemas/subscription-group.ts';
import { newUserRecord, type UserRecord } from '../../src/core/user.ts';

/** 2026-03-06T12:00:00Z: the fixed "now" of every core test. */
export const NOW = Date.UTC(2026, 2, 6, 12, 0, 0);
export const EARLIER = Date.UTC(2026, 0, 1, 0, 0, 0);

export function user(id: string, fields: Partial<UserRecord> = {}): UserRecord {
  return { ...newUserRecord(id, EARLIER), ...fields };
}

export function groups(...ids: string[]): Map<string, SubscriptionGroup> {
  return new Map(ids.map((id) => [id, { id, name: `Group ${id}`, channel_type: 'sms' } as SubscriptionGroup]));
}

/** A deterministic id source: id-1, id-2, … */
export function counter(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

/** A structural deep copy, to check that a function left its input alone. */
export function snapshot<T>(value: T): T {
  return structuredClone(value);
}
