/**
 * The journey model (canvas.md, issue 11) as plain data: a definition of steps by id, and one
 * instance per entry of a user, pinned to the definition's version. A campaign is a journey with
 * one message step (from-campaign.ts); advance.ts moves an instance on.
 */
import type { Delay, TimeWindow, Trigger } from '../../schemas/campaign.ts';
import type { Message } from '../../schemas/content.ts';
import type { UserFilter } from '../../schemas/filters.ts';
import type { Json } from '../user.ts';

export type StepId = string;
/** The step that follows; null (or a missing branch) ends the journey (`exited`, `completed`). */
export type Next = StepId | null;

export interface MessageStep {
  type: 'message';
  message: Message;
  next: Next;
  /** Taken instead of `next` when the send fails; absent: a failure goes to `next` too. */
  on_failure?: Next;
  /** The wait before the send, as a campaign's delay; measured from the instance's arrival. */
  delay?: Delay | null;
  time_window?: TimeWindow | null;
  /** A campaign's end: a send that would go later is suppressed (`outside_duration`). */
  ends_at?: string | null;
}

export interface DelayStep {
  type: 'delay';
  delay: Delay;
  next: Next;
}

export interface ActionGroup {
  id: string;
  trigger: Trigger;
  next?: Next;
  /** Routing into this group ends the journey (`exited`, `group_exit`). */
  exit?: boolean;
}

export interface ActionPathsStep {
  type: 'action_paths';
  window_seconds: number;
  /** Off: the first qualifying action routes at once. On: wait to the window's end, earlier groups win. */
  ranked: boolean;
  groups: ActionGroup[];
  everyone_else: Next;
}

export interface DecisionSplitStep {
  type: 'decision_split';
  filter: UserFilter;
  yes: Next;
  no: Next;
}

export interface AudiencePath {
  id: string;
  filter: UserFilter;
  next: Next;
}

export interface AudiencePathsStep {
  type: 'audience_paths';
  paths: AudiencePath[];
  everyone_else: Next;
}

export interface ExperimentPath {
  id: string;
  percent: number;
  next: Next;
}

export interface ExperimentStep {
  type: 'experiment';
  paths: ExperimentPath[];
}

export interface UserUpdateEvent {
  name: string;
  properties?: Record<string, Json>;
  time?: string;
}

export interface UserUpdateStep {
  type: 'user_update';
  attributes?: Record<string, Json>;
  events?: UserUpdateEvent[];
  purchases?: Record<string, Json>[];
  subscription_groups?: { subscription_group_id: string; subscription_state: 'subscribed' | 'unsubscribed' }[];
  next: Next;
}

/** The closed set of step kinds: advance.ts handles each, validate-journey.ts refuses any other. */
export type Step =
  | MessageStep
  | DelayStep
  | ActionPathsStep
  | DecisionSplitStep
  | AudiencePathsStep
  | ExperimentStep
  | UserUpdateStep;
export type StepType = Step['type'];
export const STEP_TYPES: readonly StepType[] = [
  'message',
  'delay',
  'action_paths',
  'decision_split',
  'audience_paths',
  'experiment',
  'user_update',
];

export interface JourneyDefinition {
  /** The canvas id, or the campaign id of a compiled campaign. */
  id: string;
  version: number;
  first_step: StepId;
  steps: Record<StepId, Step>;
}

/** What an instance carries from step to step (canvas.md, "Semantics"). */
export interface JourneyContext {
  /** The trigger's properties: `context.X`, `canvas_entry_properties.${X}`. */
  entry: Record<string, Json>;
  /** The properties of the action that routed the last action-paths step: `event_properties.X`. */
  event_properties?: Record<string, Json>;
  /** The inbound message that routed it, if it was one: `inbound.text`. */
  inbound?: Record<string, Json>;
}

/** What a waiting instance waits for; its timer, if any, is `wake_at`. */
export type Waiting =
  | { kind: 'send_time' }
  | { kind: 'message_outcome' }
  | { kind: 'delay' }
  /** `best`: in a ranked window, the id of the highest-ranked group that qualified so far. */
  | { kind: 'action'; best: string | null };

export type InstanceState = 'active' | 'waiting' | 'done';

export interface JourneyInstance {
  id: string;
  journey_id: string;
  /** Pinned: the instance finishes on the version it entered on. */
  version: number;
  user_id: string;
  step: StepId;
  state: InstanceState;
  /** When the timer of a waiting instance fires (epoch ms); null when it waits for no time. */
  wake_at: number | null;
  waiting_for: Waiting | null;
  context: JourneyContext;
  entered_at: number;
  updated_at: number;
}

/** A new instance at the definition's first step, not yet advanced (advance it with `enter`). */
export function newInstance(
  definition: JourneyDefinition,
  entry: { id: string; user_id: string; now: number; context?: Record<string, Json> },
): JourneyInstance {
  return {
    id: entry.id,
    journey_id: definition.id,
    version: definition.version,
    user_id: entry.user_id,
    step: definition.first_step,
    state: 'active',
    wake_at: null,
    waiting_for: null,
    context: { entry: entry.context ?? {} },
    entered_at: entry.now,
    updated_at: entry.now,
  };
}

/** The steps a step can lead to, each with the field that names it. */
export function successors(step: Step): { field: string; next: Next | undefined }[] {
  switch (step.type) {
    case 'message':
      return [
        { field: 'next', next: step.next },
        ...(step.on_failure === undefined ? [] : [{ field: 'on_failure', next: step.on_failure }]),
      ];
    case 'delay':
    case 'user_update':
      return [{ field: 'next', next: step.next }];
    case 'action_paths':
      return [
        ...step.groups.map((group, i) => ({ field: `groups[${i}].next`, next: group.next })),
        { field: 'everyone_else', next: step.everyone_else },
      ];
    case 'decision_split':
      return [
        { field: 'yes', next: step.yes },
        { field: 'no', next: step.no },
      ];
    case 'audience_paths':
      return [
        ...step.paths.map((path, i) => ({ field: `paths[${i}].next`, next: path.next })),
        { field: 'everyone_else', next: step.everyone_else },
      ];
    case 'experiment':
      return step.paths.map((path, i) => ({ field: `paths[${i}].next`, next: path.next }));
  }
}
