import type { Decisions } from '../core/campaigns/decide.ts';
import type { EventRecord } from '../core/event.ts';
import {
  decideSubscriptionChange,
  type DecidedSubscriptionChange,
  type SubscriptionChangeSource,
} from '../core/subscription-change.ts';
import type { SubscriptionState, UserRecord } from '../core/user.ts';
import type { Settings } from '../schemas/settings.ts';
import type { StoreTx } from '../store/store.ts';
import type { LiveDefinitions } from './campaigns/definitions.ts';
import { evaluateOccurrences, type UserOccurrence } from './campaigns/evaluate.ts';
import type { Engine } from './engine.ts';

/** The transaction a subscription change is written in, and what its triggers are evaluated with. */
export interface SubscriptionChangeScope {
  engine: Engine;
  tx: StoreTx;
  defs: LiveDefinitions;
  settings: Settings;
  now: number;
}

export interface UserSubscriptionChange {
  user: UserRecord;
  groupId: string;
  state: SubscriptionState;
  source: SubscriptionChangeSource;
}

/**
 * Every subscription change Tidings makes outside `/users/track` (whose plan applies the same rule,
 * `decideSubscriptionChange`, and evaluates its events in the same way), in one transaction:
 * each `change` is decided at once against the user's state as it is by then (so a follow and an
 * unfollow in one webhook are two changes) and applied to the `UserRecord` given; `occurred` places
 * the caller's own events among them; `commit` writes the changes with their
 * `subscription_changed` events and evaluates every trigger, in the order things happened.
 */
export class SubscriptionChanges {
  private readonly decided: DecidedSubscriptionChange[] = [];
  private readonly occurrences: UserOccurrence[] = [];
  private readonly users = new Map<string, UserRecord>();
  private readonly scope: SubscriptionChangeScope;

  constructor(scope: SubscriptionChangeScope) {
    this.scope = scope;
  }

  /**
   * Returns the `subscription_changed` event, or null when the user already had that state.
   * `fires: false` records the change without evaluating triggers on it (a LINE event in standby
   * mode belongs to another bot).
   */
  change(change: UserSubscriptionChange, options: { fires?: boolean } = {}): EventRecord | null {
    const { user, groupId, state, source } = change;
    const decided = decideSubscriptionChange(
      { userId: user.id, groupId, current: user.subscriptions[groupId]?.state ?? null, state, source },
      { now: this.scope.now, newId: this.scope.engine.newId },
    );
    if (decided === null) return null;
    user.subscriptions = { ...user.subscriptions, [groupId]: { state, changed_at: decided.row.changed_at } };
    this.decided.push(decided);
    if (options.fires !== false)
      this.occurred({ userId: user.id, occurrence: { kind: 'event', event: decided.event } }, user);
    return decided.event;
  }

  /** An occurrence the caller recorded itself, evaluated in its place among the changes. */
  occurred(occurrence: UserOccurrence, user: UserRecord): void {
    this.occurrences.push(occurrence);
    this.users.set(user.id, user);
  }

  async commit(): Promise<{ changed: number; decisions: Decisions }> {
    const { engine, tx, defs, settings } = this.scope;
    if (this.decided.length > 0) {
      await tx.upsertSubscriptions(this.decided.map((d) => d.row));
      await tx.insertEvents(this.decided.map((d) => d.event));
    }
    const decisions = await evaluateOccurrences(engine, tx, defs, settings, this.occurrences, this.users);
    return { changed: this.decided.length, decisions };
  }
}

/** Applies these changes in order and evaluates their triggers, in the scope's transaction. */
export async function changeSubscriptions(
  scope: SubscriptionChangeScope,
  changes: UserSubscriptionChange[],
): Promise<{ changed: number; decisions: Decisions }> {
  const batch = new SubscriptionChanges(scope);
  for (const change of changes) batch.change(change);
  return batch.commit();
}
