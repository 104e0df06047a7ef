/**
 * Moves one journey instance on: pure and deterministic. Steps run one after another at the same
 * instant until one must wait (a send time, a message's outcome, a delay, an action window); the
 * engine carries out the returned effects and stores the instance in the same transaction.
 */
import { createHash } from 'node:crypto';
import type { Message } from '../../schemas/content.ts';
import type { Occurrence } from '../campaigns/triggers.ts';
import type { Json, UserRecord } from '../user.ts';
import { matchesUserFilter, type AudienceContext } from '../campaigns/audience.ts';
import { applyDelay, planSendTime } from '../campaigns/send-time.ts';
import { actionQualifies, hasTriggerWords } from './action-match.ts';
import type {
  ActionGroup,
  ActionPathsStep,
  JourneyDefinition,
  JourneyInstance,
  Next,
  StepId,
  UserUpdateStep,
  Waiting,
} from './journey.ts';

export type MessageOutcome = 'sent' | 'suppressed' | 'failed';

export type AdvanceInput =
  | { kind: 'enter' }
  | { kind: 'timer_due' }
  | { kind: 'message_outcome'; outcome: MessageOutcome }
  | { kind: 'action'; occurrence: Occurrence }
  | { kind: 'exit_event' };

export type ExitReason = 'completed' | 'exit_criteria' | 'group_exit';

/** The closed set of what the engine does for an advance. */
export type Effect =
  /** Send now; the instance waits for the outcome (a `message_outcome` input). */
  | { type: 'send_message'; step: StepId; message: Message }
  /** Arm the instance's timer; a `timer_due` input follows at `at`. */
  | { type: 'wait_until'; step: StepId; at: number }
  /** Route this user's actions to the instance until `until` (its timer). */
  | { type: 'wait_for_action'; step: StepId; groups: ActionGroup[]; until: number }
  /** Drop the instance's timer and whatever it waited for. */
  | { type: 'cancel_wait'; step: StepId }
  | { type: 'apply_user_update'; step: StepId; update: Omit<UserUpdateStep, 'type' | 'next'> }
  | { type: 'record'; outcome: 'entered' | 'step'; step: StepId }
  | { type: 'record'; outcome: 'path'; step: StepId; path: string }
  | { type: 'record'; outcome: 'suppressed'; step: StepId; reason: string }
  | { type: 'record'; outcome: 'exited'; step: StepId; reason: ExitReason };

export interface AdvanceDeps {
  /** The injected clock's value. */
  now: number;
  companyTimeZone: string;
  /** The user's current profile, read by splits, audience paths and local-time delays. */
  user: UserRecord;
  /** Segments and receipts for the audience filters; its `now` should be `now`. */
  audience: AudienceContext;
}

export interface Advanced {
  instance: JourneyInstance;
  effects: Effect[];
}

export const EVERYONE_ELSE = 'everyone_else';

/** Validation refuses cycles and more than 200 steps, so a longer run is our bug. */
const MAX_STEPS_PER_ADVANCE = 201;

export function advance(
  definition: JourneyDefinition,
  instance: JourneyInstance,
  input: AdvanceInput,
  deps: AdvanceDeps,
): Advanced {
  const run = new Run(definition, { ...instance, updated_at: deps.now }, deps);
  if (instance.state === 'done') return { instance, effects: [] };
  switch (input.kind) {
    case 'enter':
      if (instance.state !== 'active' || instance.waiting_for !== null) return { instance, effects: [] };
      run.effects.push({ type: 'record', outcome: 'entered', step: instance.step });
      run.arrive(instance.step);
      break;
    case 'timer_due':
      if (instance.wake_at === null || deps.now < instance.wake_at) return { instance, effects: [] };
      run.timerDue();
      break;
    case 'message_outcome':
      if (instance.waiting_for?.kind !== 'message_outcome') return { instance, effects: [] };
      run.messageOutcome(input.outcome);
      break;
    case 'action':
      if (instance.waiting_for?.kind !== 'action') return { instance, effects: [] };
      if (!run.action(input.occurrence)) return { instance, effects: [] };
      break;
    case 'exit_event':
      if (instance.state === 'waiting') run.effects.push({ type: 'cancel_wait', step: instance.step });
      run.exit('exit_criteria');
      break;
  }
  return { instance: run.instance, effects: run.effects };
}

class Run {
  readonly effects: Effect[] = [];
  private steps = 0;
  private readonly definition: JourneyDefinition;
  instance: JourneyInstance;
  private readonly deps: AdvanceDeps;

  constructor(definition: JourneyDefinition, instance: JourneyInstance, deps: AdvanceDeps) {
    this.definition = definition;
    this.instance = instance;
    this.deps = deps;
  }

  /** The instance reaches `id` now and runs on until something must wait. */
  arrive(id: StepId): void {
    if (++this.steps > MAX_STEPS_PER_ADVANCE) throw new Error(`journey ${this.definition.id}: steps loop at ${id}`);
    const step = this.definition.steps[id];
    if (step === undefined) throw new Error(`journey ${this.definition.id}: no step ${id}`);
    this.instance = { ...this.instance, step: id, state: 'active', wake_at: null, waiting_for: null };
    this.effects.push({ type: 'record', outcome: 'step', step: id });
    const { now } = this.deps;
    switch (step.type) {
      case 'message': {
        const plan = planSendTime(
          { delay: step.delay ?? null, time_window: step.time_window ?? null, ends_at: step.ends_at ?? null },
          { ...this.zones(), triggeredAt: now, activatedAt: null },
        );
        if (plan.kind === 'suppress') {
          this.effects.push({ type: 'record', outcome: 'suppressed', step: id, reason: plan.reason });
          this.go(step.next);
          return;
        }
        if (plan.at > now) {
          this.wait({ kind: 'send_time' }, plan.at);
          return;
        }
        this.send();
        return;
      }
      case 'delay': {
        // Braze: a delay with nothing after it ends the journey without waiting.
        if (step.next === null) {
          this.go(null);
          return;
        }
        const at = applyDelay(step.delay, { ...this.zones(), triggeredAt: now, activatedAt: null });
        // A local time already past (calendar_days 0 at 09:00, arriving at 10:00) has elapsed: go on.
        if (at <= now) {
          this.go(step.next);
          return;
        }
        this.wait({ kind: 'delay' }, at);
        return;
      }
      case 'action_paths': {
        const until = now + step.window_seconds * 1000;
        this.wait({ kind: 'action', best: null }, until, false);
        this.effects.push({ type: 'wait_for_action', step: id, groups: step.groups, until });
        return;
      }
      case 'decision_split': {
        const yes = matchesUserFilter(step.filter, this.deps.user, this.deps.audience);
        this.path(yes ? 'yes' : 'no', yes ? step.yes : step.no);
        return;
      }
      case 'audience_paths': {
        const path = step.paths.find((p) => matchesUserFilter(p.filter, this.deps.user, this.deps.audience));
        if (path) this.path(path.id, path.next);
        else this.path(EVERYONE_ELSE, step.everyone_else);
        return;
      }
      case 'experiment': {
        const bucket = experimentBucket(this.definition.id, id, this.deps.user);
        let upTo = 0;
        const path = step.paths.find((p) => bucket < (upTo += p.percent)) ?? step.paths.at(-1);
        if (path === undefined) {
          this.go(null);
          return;
        }
        this.path(path.id, path.next);
        return;
      }
      case 'user_update': {
        const { type: _type, next, ...update } = step;
        this.effects.push({ type: 'apply_user_update', step: id, update });
        this.go(next);
        return;
      }
    }
  }

  timerDue(): void {
    const waiting = this.instance.waiting_for;
    const step = this.definition.steps[this.instance.step];
    if (waiting === null || step === undefined) return;
    switch (waiting.kind) {
      case 'send_time':
        this.send();
        return;
      case 'delay':
        if (step.type === 'delay') {
          this.go(step.next);
          return;
        }
        return;
      case 'action': {
        if (step.type !== 'action_paths') return;
        const best = waiting.best === null ? undefined : step.groups.find((g) => g.id === waiting.best);
        if (best) this.route(best);
        else this.path(EVERYONE_ELSE, step.everyone_else);
        return;
      }
      case 'message_outcome':
        return;
    }
  }

  messageOutcome(outcome: MessageOutcome): void {
    const step = this.definition.steps[this.instance.step];
    if (step?.type !== 'message') return;
    if (outcome === 'failed' && step.on_failure !== undefined) {
      this.go(step.on_failure);
      return;
    }
    this.go(step.next);
    return;
  }

  /** False when the action routes nothing (no group qualifies): the instance is left as it was. */
  action(occurrence: Occurrence): boolean {
    const step = this.definition.steps[this.instance.step];
    const waiting = this.instance.waiting_for;
    if (step?.type !== 'action_paths' || waiting?.kind !== 'action') return false;
    const group = qualifyingGroup(step, occurrence, this.definition.id);
    if (group === undefined) return false;
    this.instance = { ...this.instance, context: { ...this.instance.context, ...actionContext(occurrence) } };
    if (!step.ranked) {
      this.effects.push({ type: 'cancel_wait', step: this.instance.step });
      this.route(group);
      return true;
    }
    const rank = (groupId: string | null) => step.groups.findIndex((g) => g.id === groupId);
    if (waiting.best !== null && rank(waiting.best) <= rank(group.id)) return false;
    this.instance = { ...this.instance, waiting_for: { kind: 'action', best: group.id } };
    return true;
  }

  exit(reason: ExitReason): void {
    this.effects.push({ type: 'record', outcome: 'exited', step: this.instance.step, reason });
    this.instance = { ...this.instance, state: 'done', wake_at: null, waiting_for: null };
  }

  private route(group: ActionGroup): void {
    this.effects.push({ type: 'record', outcome: 'path', step: this.instance.step, path: group.id });
    if (group.exit === true) {
      this.exit('group_exit');
      return;
    }
    this.go(group.next ?? null);
    return;
  }

  private path(pathId: string, next: Next | undefined): void {
    this.effects.push({ type: 'record', outcome: 'path', step: this.instance.step, path: pathId });
    this.go(next ?? null);
    return;
  }

  private go(next: Next | undefined): void {
    if (next === null || next === undefined) {
      this.exit('completed');
      return;
    }
    this.arrive(next);
    return;
  }

  private send(): void {
    const step = this.definition.steps[this.instance.step];
    if (step?.type !== 'message') return;
    this.effects.push({ type: 'send_message', step: this.instance.step, message: step.message });
    this.wait({ kind: 'message_outcome' }, null, false);
  }

  private wait(waiting: Waiting, at: number | null, announce = true): void {
    this.instance = { ...this.instance, state: 'waiting', wake_at: at, waiting_for: waiting };
    if (announce && at !== null) this.effects.push({ type: 'wait_until', step: this.instance.step, at });
  }

  private zones() {
    return { userTimeZone: this.deps.user.standard.time_zone ?? null, companyTimeZone: this.deps.companyTimeZone };
  }
}

/** Worded groups first (a trigger-less inbound group is the else), in their order; unranked only. */
function qualifyingGroup(step: ActionPathsStep, occurrence: Occurrence, journeyId: string): ActionGroup | undefined {
  const qualifies = (g: ActionGroup) => actionQualifies(g.trigger, occurrence, journeyId);
  if (step.ranked) return step.groups.find(qualifies);
  return (
    step.groups.find((g) => hasTriggerWords(g.trigger) && qualifies(g)) ??
    step.groups.find((g) => !hasTriggerWords(g.trigger) && qualifies(g))
  );
}

function actionContext(occurrence: Occurrence): {
  event_properties: Record<string, Json>;
  inbound?: Record<string, Json>;
} {
  if (occurrence.kind === 'event') {
    const { event } = occurrence;
    const inbound = event.source === 'system' && event.name === 'inbound_message';
    return inbound
      ? { event_properties: event.properties, inbound: event.properties }
      : { event_properties: event.properties };
  }
  return { event_properties: occurrence.kind === 'api' ? (occurrence.properties ?? {}) : {} };
}

/** 0..99, stable per (journey, step, user): the external id, else the internal id (canvas.md). */
export function experimentBucket(journeyId: string, stepId: StepId, user: UserRecord): number {
  const digest = createHash('sha256')
    .update(JSON.stringify([journeyId, stepId, user.external_id ?? user.id]))
    .digest();
  return digest.readUInt32BE(0) % 100;
}
