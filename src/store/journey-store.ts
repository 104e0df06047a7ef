import type { InstanceState, JourneyInstance } from '../core/journeys/journey.ts';

/** How many instances of a journey are at one step of one version, in one state. */
export interface StepCount {
  version: number;
  step: string;
  state: InstanceState;
  count: number;
}

/** What an update of an instance may change: everything but its identity and entry. */
export type InstanceUpdate = Pick<
  JourneyInstance,
  'step' | 'state' | 'wake_at' | 'waiting_for' | 'context' | 'updated_at'
>;

/** The journey instances' reads (issue 11). When the earliest timer fires is `CampaignReader.nextDue().journeys`. */
export interface JourneyReader {
  getInstance(id: string): Promise<JourneyInstance | null>;
  /**
   * The waiting instances of these users (an event matched against action paths and exit
   * criteria), oldest entry first; read through the users' own rows of an index, whatever the
   * number of instances of other users. Inside a transaction on PostgreSQL they are locked
   * (`FOR UPDATE`): a claim of one by another process is waited for, and its update then seen.
   */
  waitingForUsers(userIds: string[]): Promise<JourneyInstance[]>;
  /** Per version, step and state, how many instances of the journey there are (`apply --plan`, stats). */
  countByStep(journeyId: string): Promise<StepCount[]>;
}

/** The journey instances' writes, inside a store transaction. */
export interface JourneyWriter extends JourneyReader {
  insertInstances(instances: JourneyInstance[]): Promise<void>;
  /** Returns false when there is no such instance (its user was deleted since it was read). */
  updateInstance(id: string, update: InstanceUpdate): Promise<boolean>;
  /**
   * Waiting instances whose timer is due at `now` (`wake_at <= now`), earliest first, locked for
   * this transaction: other PostgreSQL processes skip them (SQLite has one writer). The claim is
   * finished by `updateInstance` in the same transaction (the instance advanced: a later timer,
   * no timer, or done) and released by a rollback, after which the instance is due again at once,
   * as claimed pending entries are. An instance claimed and left unchanged is claimed again.
   */
  claimDueInstances(now: number, limit: number): Promise<JourneyInstance[]>;
  /**
   * A deleted user's instances: finished ones are deleted; unfinished ones lose their context and
   * are due at once (waiting, `wake_at` 0), so that the engine ends each as `user_deleted`.
   */
  forgetUser(userId: string): Promise<void>;
  /** A merged user's instances go to the profile it merged into, in their steps and states. */
  moveUserHistory(fromId: string, toId: string): Promise<void>;
}
