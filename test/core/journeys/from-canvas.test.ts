import { expect, test } from 'vitest';
import { journeyFromCanvas } from '../../../src/core/journeys/from-canvas.ts';
import { validateCanvas } from '../../../src/core/journeys/validate-canvas.ts';
import type { Canvas } from '../../../src/schemas/canvas.ts';

const message = { channel: 'line-main', default: { type: 'text' as const, text: 'Hi' } };
const line = { type: 'inbound_message' as const, channel_type: 'line' as const };

/** Every step kind with its optional branches left out. */
const sparse: Canvas = {
  id: 'sparse',
  name: 'Sparse',
  status: 'draft',
  entry: { trigger: { type: 'api' } },
  first_step: 'hello',
  steps: {
    hello: { type: 'message', message, next: 'ask' },
    ask: {
      type: 'action_paths',
      window_seconds: 60,
      groups: [
        { id: 'yes', trigger: line },
        { id: 'stop', trigger: line, exit: true },
      ],
    },
    wait: { type: 'delay', delay: { type: 'duration', seconds: 5 } },
    split: { type: 'decision_split', filter: { attribute: 'tier', op: 'eq', value: 'gold' } },
    paths: { type: 'audience_paths', paths: [{ id: 'p', filter: { attribute: 'tier', op: 'exists' } }] },
    ab: { type: 'experiment', paths: [{ id: 'a', percent: 100 }] },
    update: { type: 'user_update', attributes: { x: 1 } },
  },
};

const known = { segments: new Set<string>(), subscriptionGroups: new Set<string>(), channels: new Set(['line-main']) };

test('a canvas converts to a journey with every missing branch null and ranked false, at the version given', () => {
  expect(journeyFromCanvas(sparse, 3)).toEqual({
    id: 'sparse',
    version: 3,
    first_step: 'hello',
    steps: {
      hello: { type: 'message', message, time_window: null, next: 'ask' },
      ask: {
        type: 'action_paths',
        window_seconds: 60,
        ranked: false,
        groups: [
          { id: 'yes', trigger: line, next: null },
          { id: 'stop', trigger: line, next: null, exit: true },
        ],
        everyone_else: null,
      },
      wait: { type: 'delay', delay: { type: 'duration', seconds: 5 }, next: null },
      split: {
        type: 'decision_split',
        filter: { attribute: 'tier', op: 'eq', value: 'gold' },
        yes: null,
        no: null,
      },
      paths: {
        type: 'audience_paths',
        paths: [{ id: 'p', filter: { attribute: 'tier', op: 'exists' }, next: null }],
        everyone_else: null,
      },
      ab: { type: 'experiment', paths: [{ id: 'a', percent: 100, next: null }] },
      update: { type: 'user_update', attributes: { x: 1 }, next: null },
    },
  });
  expect(validateCanvas(sparse, known)).toEqual([]);
});

test('on_failure is kept only when given, so an absent one still sends a failure to next', () => {
  const withFailure: Canvas = {
    ...sparse,
    steps: { ...sparse.steps, hello: { type: 'message', message, next: 'ask', on_failure: null } },
  };
  expect(journeyFromCanvas(withFailure, 1).steps.hello).toMatchObject({ on_failure: null });
  expect(journeyFromCanvas(sparse, 1).steps.hello).not.toHaveProperty('on_failure');
});

test('an exit group with a next stays visible to validation', () => {
  const exitWithNext: Canvas = {
    ...sparse,
    steps: {
      ...sparse.steps,
      ask: {
        type: 'action_paths',
        window_seconds: 60,
        groups: [{ id: 'stop', trigger: line, exit: true, next: 'wait' }],
      },
    },
  };
  expect(validateCanvas(exitWithNext, known).map((p) => p.field)).toEqual([
    'canvases[sparse].steps.ask.groups[0].next',
  ]);
});

test('entry.ends_at must come after starts_at', () => {
  const backwards: Canvas = {
    ...sparse,
    entry: { ...sparse.entry, starts_at: '2026-03-02T00:00:00Z', ends_at: '2026-03-01T00:00:00Z' },
  };
  expect(validateCanvas(backwards, known)).toEqual([
    {
      field: 'canvases[sparse].entry.ends_at',
      message: "'canvases[sparse].entry.ends_at' (2026-03-01T00:00:00Z) must be after starts_at (2026-03-02T00:00:00Z)",
    },
  ]);
});
