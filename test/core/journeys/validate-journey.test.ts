import { describe, expect, test } from 'vitest';
import type { JourneyDefinition, Step } from '../../../src/core/journeys/journey.ts';
import { MAX_STEPS, validateJourney } from '../../../src/core/journeys/validate-journey.ts';
import { journey, text } from './support.ts';

const end = (): Step => ({ type: 'message', message: text('bye'), next: null });
const filter = { attribute: 'tier', op: 'exists' } as const;
const field = (definition: JourneyDefinition) => validateJourney(definition)?.field ?? null;
const check = (definition: JourneyDefinition) => {
  const problem = validateJourney(definition);
  return problem && `${problem.field}: ${problem.message}`;
};

describe('validateJourney', () => {
  test('a journey of every step kind is valid', () => {
    expect(
      validateJourney(
        journey({
          m: { type: 'message', message: text('a'), next: 'd', on_failure: 'e' },
          d: { type: 'delay', delay: { type: 'duration', seconds: 60 }, next: 'p' },
          p: {
            type: 'action_paths',
            window_seconds: 31 * 86_400,
            ranked: true,
            groups: [
              { id: 'go', trigger: { type: 'session_start' }, next: 's' },
              { id: 'quit', trigger: { type: 'purchase' }, exit: true },
            ],
            everyone_else: null,
          },
          s: { type: 'decision_split', filter, yes: 'a', no: null },
          a: { type: 'audience_paths', paths: [{ id: 'x', filter, next: 'x' }], everyone_else: 'x' },
          x: {
            type: 'experiment',
            paths: [
              { id: 'one', percent: 40, next: 'u' },
              { id: 'two', percent: 60, next: 'e' },
            ],
          },
          u: { type: 'user_update', attributes: { a: 1 }, next: 'e' },
          e: end(),
        }),
      ),
    ).toBeNull();
  });

  test('a reference to a missing step names the step and field', () => {
    expect(check(journey({ m: { type: 'message', message: text('a'), next: 'gone' } }))).toBe(
      'steps.m.next: names no step: "gone"',
    );
    expect(field(journey({ m: { type: 'message', message: text('a'), next: null, on_failure: 'gone' } }))).toBe(
      'steps.m.on_failure',
    );
    expect(
      field(
        journey({
          p: {
            type: 'action_paths',
            window_seconds: 60,
            ranked: false,
            groups: [{ id: 'g', trigger: { type: 'session_start' }, next: 'gone' }],
            everyone_else: null,
          },
        }),
      ),
    ).toBe('steps.p.groups[0].next');
    expect(field(journey({ s: { type: 'decision_split', filter, yes: null, no: 'gone' } }))).toBe('steps.s.no');
    expect(field(journey({ a: { type: 'audience_paths', paths: [], everyone_else: 'gone' } }))).toBe(
      'steps.a.everyone_else',
    );
    expect(field(journey({ x: { type: 'experiment', paths: [{ id: 'a', percent: 100, next: 'gone' }] } }))).toBe(
      'steps.x.paths[0].next',
    );
    expect(field({ ...journey({ e: end() }), first_step: 'nope' })).toBe('first_step');
  });

  test('every cycle is refused, even one through a delay or an action window', () => {
    expect(check(journey({ m: { type: 'message', message: text('a'), next: 'm' } }))).toBe(
      'steps.m.next: closes a cycle (m → m); journeys are acyclic',
    );
    expect(
      check(
        journey({
          ask: {
            type: 'action_paths',
            window_seconds: 86_400,
            ranked: false,
            groups: [{ id: 'yes', trigger: { type: 'session_start' }, next: 'done' }],
            everyone_else: 'wait',
          },
          wait: { type: 'delay', delay: { type: 'duration', seconds: 60 }, next: 'ask' },
          done: end(),
        }),
      ),
    ).toBe('steps.wait.next: closes a cycle (ask → wait → ask); journeys are acyclic');
  });

  test('a cycle unreachable from the first step is refused too', () => {
    expect(
      field(
        journey({
          e: end(),
          a: { type: 'delay', delay: { type: 'duration', seconds: 1 }, next: 'b' },
          b: { type: 'delay', delay: { type: 'duration', seconds: 1 }, next: 'a' },
        }),
      ),
    ).toBe('steps.b.next');
  });

  test('two branches meeting again are no cycle', () => {
    expect(validateJourney(journey({ s: { type: 'decision_split', filter, yes: 'e', no: 'e' }, e: end() }))).toBeNull();
  });

  test('at most 200 steps', () => {
    const steps = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, end()])) as Record<string, Step>;
    expect(validateJourney(journey(steps(MAX_STEPS)))).toBeNull();
    expect(check(journey(steps(MAX_STEPS + 1)))).toBe('steps: has 201 steps; a journey has at most 200');
  });

  test('an action window over 31 days, and an exit group with a next', () => {
    const paths = (window_seconds: number, group: object = {}): Step =>
      ({
        type: 'action_paths',
        window_seconds,
        ranked: false,
        groups: [{ id: 'g', trigger: { type: 'session_start' }, exit: true, ...group }],
        everyone_else: null,
      }) as Step;
    expect(check(journey({ p: paths(31 * 86_400 + 1) }))).toBe(
      'steps.p.window_seconds: is 2678401; an action window lasts at most 31 days (2678400 seconds)',
    );
    expect(field(journey({ p: paths(60, { next: 'e' }), e: end() }))).toBe('steps.p.groups[0].next');
  });

  test('experiment percents must sum to 100', () => {
    const experiment = (...percents: number[]): Step => ({
      type: 'experiment',
      paths: percents.map((percent, i) => ({ id: `p${i}`, percent, next: null })),
    });
    expect(check(journey({ x: experiment(50, 40) }))).toBe('steps.x.paths: percents sum to 90; they must sum to 100');
    expect(field(journey({ x: experiment(50, 60) }))).toBe('steps.x.paths');
    expect(validateJourney(journey({ x: experiment(25, 25, 50) }))).toBeNull();
  });

  test('at most 8 audience paths', () => {
    const audience = (n: number): Step => ({
      type: 'audience_paths',
      paths: Array.from({ length: n }, (_, i) => ({ id: `p${i}`, filter, next: null })),
      everyone_else: null,
    });
    expect(validateJourney(journey({ a: audience(8) }))).toBeNull();
    expect(check(journey({ a: audience(9) }))).toBe('steps.a.paths: has 9 paths; audience paths have at most 8');
  });

  test('repeated group or path ids, and an unknown step type', () => {
    const step = {
      type: 'audience_paths',
      paths: [
        { id: 'p', filter, next: null },
        { id: 'p', filter, next: null },
      ],
      everyone_else: null,
    } as Step;
    expect(check(journey({ a: step }))).toBe('steps.a.paths[1].id: repeats "p"');
    expect(check(journey({ w: { type: 'wait', next: null } as unknown as Step }))).toMatch(
      /^steps\.w\.type: is not a step type: "wait"; one of message, delay/,
    );
  });
});
