import type { Canvas, CanvasStep } from '../../schemas/canvas.ts';
import type { JourneyDefinition, Step } from './journey.ts';

/**
 * A canvas definition as the journey model takes it: the document's optional branches (a missing
 * `next`, `ranked`) are spelled out, so advance.ts and validate-journey.ts see one shape.
 */
export function journeyFromCanvas(canvas: Canvas, version: number): JourneyDefinition {
  return {
    id: canvas.id,
    version,
    first_step: canvas.first_step,
    steps: Object.fromEntries(Object.entries(canvas.steps).map(([id, step]) => [id, stepFromCanvas(step)])),
  };
}

function stepFromCanvas(step: CanvasStep): Step {
  switch (step.type) {
    case 'message':
      return {
        type: 'message',
        message: step.message,
        time_window: step.time_window ?? null,
        next: step.next ?? null,
        ...(step.on_failure === undefined ? {} : { on_failure: step.on_failure }),
      };
    case 'delay':
      return { type: 'delay', delay: step.delay, next: step.next ?? null };
    case 'action_paths':
      return {
        type: 'action_paths',
        window_seconds: step.window_seconds,
        ranked: step.ranked ?? false,
        groups: step.groups.map((group) => ({
          id: group.id,
          trigger: group.trigger,
          next: group.next ?? null,
          ...(group.exit === undefined ? {} : { exit: group.exit }),
        })),
        everyone_else: step.everyone_else ?? null,
      };
    case 'decision_split':
      return { type: 'decision_split', filter: step.filter, yes: step.yes ?? null, no: step.no ?? null };
    case 'audience_paths':
      return {
        type: 'audience_paths',
        paths: step.paths.map((path) => ({ id: path.id, filter: path.filter, next: path.next ?? null })),
        everyone_else: step.everyone_else ?? null,
      };
    case 'experiment':
      return {
        type: 'experiment',
        paths: step.paths.map((path) => ({ id: path.id, percent: path.percent, next: path.next ?? null })),
      };
    case 'user_update':
      return {
        type: 'user_update',
        ...(step.attributes === undefined ? {} : { attributes: step.attributes }),
        ...(step.events === undefined ? {} : { events: step.events }),
        ...(step.purchases === undefined ? {} : { purchases: step.purchases }),
        ...(step.subscription_groups === undefined ? {} : { subscription_groups: step.subscription_groups }),
        next: step.next ?? null,
      };
  }
}
