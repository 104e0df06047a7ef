import { expect, test } from 'vitest';
import { attributeProblems } from '../../src/core/attribute-problems.ts';
import { MAX_CUSTOM_ATTRIBUTES } from '../../src/core/attributes.ts';
import { groups, NOW, user } from './fixtures.ts';

const ctx = { defaultCountry: 'JP', now: NOW, groups: groups() };

test('every invalid field is named, each judged after the valid fields before it', () => {
  const custom = Object.fromEntries(Array.from({ length: MAX_CUSTOM_ATTRIBUTES - 1 }, (_, i) => [`a${i}`, i]));
  const result = attributeProblems(
    user('u', { custom }),
    { time_zone: 'Mars/Olympus', last: 1, one_more: 2, visits: { inc: 1 }, external_id: 'x', first_name: 'Ken' },
    ctx,
  );
  expect(result.problems).toEqual([
    { key: 'time_zone', message: expect.stringMatching(/^must be an IANA time zone/) },
    { key: 'one_more', message: expect.stringMatching(/^would be more than the 1000 custom attributes/) },
    { key: 'visits', message: expect.stringMatching(/^would be more than the 1000/) },
  ]);
  expect(result.user.custom.last).toBe(1);
  expect(result.user.standard.first_name).toBe('Ken');
});

test('a valid object has no problems and the same outcome as applying it whole', () => {
  const result = attributeProblems(user('u', { custom: { visits: 2 } }), { visits: { inc: 3 }, gender: 'f' }, ctx);
  expect(result.problems).toEqual([]);
  expect(result.user.custom.visits).toBe(5);
  expect(result.user.standard.gender).toBe('F');
});
