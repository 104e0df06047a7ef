/**
 * The refusals of canvas.md that a schema cannot say, as pure checks naming the step:
 * `steps.ask.window_seconds: …`. The HTTP layer turns a problem into a 400.
 */
import { STEP_TYPES, successors, type JourneyDefinition, type StepId } from './journey.ts';

export const MAX_STEPS = 200;
export const MAX_ACTION_WINDOW_SECONDS = 31 * 86_400;
export const MAX_AUDIENCE_PATHS = 8;

export interface JourneyProblem {
  /** The step named, or null for the definition as a whole. */
  step: StepId | null;
  field: string;
  message: string;
}

/** The first problem of a definition, or null when advance.ts can run it. */
export function validateJourney(definition: JourneyDefinition): JourneyProblem | null {
  const ids = Object.keys(definition.steps);
  if (ids.length > MAX_STEPS) {
    return problem(null, 'steps', `has ${ids.length} steps; a journey has at most ${MAX_STEPS}`);
  }
  if (!Object.hasOwn(definition.steps, definition.first_step)) {
    return problem(null, 'first_step', `names no step: ${JSON.stringify(definition.first_step)}`);
  }
  for (const id of ids) {
    const found = stepProblem(definition, id);
    if (found) return found;
  }
  return cycleProblem(definition);
}

function stepProblem(definition: JourneyDefinition, id: StepId): JourneyProblem | null {
  const step = definition.steps[id]!;
  if (!STEP_TYPES.includes(step.type)) {
    return problem(id, 'type', `is not a step type: ${JSON.stringify(step.type)}; one of ${STEP_TYPES.join(', ')}`);
  }
  for (const { field, next } of successors(step)) {
    if (next !== null && next !== undefined && !Object.hasOwn(definition.steps, next)) {
      return problem(id, field, `names no step: ${JSON.stringify(next)}`);
    }
  }
  switch (step.type) {
    case 'action_paths': {
      if (step.window_seconds > MAX_ACTION_WINDOW_SECONDS) {
        return problem(
          id,
          'window_seconds',
          `is ${step.window_seconds}; an action window lasts at most 31 days (${MAX_ACTION_WINDOW_SECONDS} seconds)`,
        );
      }
      for (const [i, group] of step.groups.entries()) {
        if (group.exit === true && group.next !== undefined && group.next !== null) {
          return problem(id, `groups[${i}].next`, 'must be absent or null when the group exits the journey');
        }
      }
      return duplicateId(
        id,
        'groups',
        step.groups.map((g) => g.id),
      );
    }
    case 'audience_paths':
      if (step.paths.length > MAX_AUDIENCE_PATHS) {
        return problem(
          id,
          'paths',
          `has ${step.paths.length} paths; audience paths have at most ${MAX_AUDIENCE_PATHS}`,
        );
      }
      return duplicateId(
        id,
        'paths',
        step.paths.map((p) => p.id),
      );
    case 'experiment': {
      const total = step.paths.reduce((sum, p) => sum + p.percent, 0);
      if (total !== 100) return problem(id, 'paths', `percents sum to ${total}; they must sum to 100`);
      return duplicateId(
        id,
        'paths',
        step.paths.map((p) => p.id),
      );
    }
    default:
      return null;
  }
}

/**
 * Every cycle is refused, a wait inside it or not: canvas.md says "a cycle", Braze's canvases are
 * acyclic too (a re-ask is a re-entry, not a loop), and an acyclic journey has a longest path, the
 * maximum duration that re-entry and conversion windows need.
 */
function cycleProblem(definition: JourneyDefinition): JourneyProblem | null {
  const state = new Map<StepId, 'visiting' | 'done'>();
  const visit = (id: StepId, trail: StepId[]): JourneyProblem | null => {
    if (state.get(id) === 'done') return null;
    state.set(id, 'visiting');
    for (const { field, next } of successors(definition.steps[id]!)) {
      if (next === null || next === undefined) continue;
      if (state.get(next) === 'visiting') {
        const start = trail.indexOf(next);
        const loop = [...(start === -1 ? [] : trail.slice(start)), id, next];
        return problem(id, field, `closes a cycle (${loop.join(' → ')}); journeys are acyclic`);
      }
      const found = visit(next, [...trail, id]);
      if (found) return found;
    }
    state.set(id, 'done');
    return null;
  };
  for (const id of [definition.first_step, ...Object.keys(definition.steps)]) {
    const found = visit(id, []);
    if (found) return found;
  }
  return null;
}

function duplicateId(step: StepId, field: string, ids: string[]): JourneyProblem | null {
  const index = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  return index === -1 ? null : problem(step, `${field}[${index}].id`, `repeats ${JSON.stringify(ids[index])}`);
}

function problem(step: StepId | null, field: string, message: string): JourneyProblem {
  return { step, field: step === null ? field : `steps.${step}.${field}`, message };
}
