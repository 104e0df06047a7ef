import { expect, test } from 'vitest';
import { progressLine } from '../../src/cli/progress-bar.ts';

test('the bar fills in proportion, never past 100 %, and falls back to a count without a total', () => {
  expect(progressLine(0, 10, 'followers', { width: 10 })).toBe('[░░░░░░░░░░]   0%  0 / 10 followers');
  expect(progressLine(2500, 10_000, 'followers', { width: 10, approximate: true })).toBe(
    '[███░░░░░░░]  25%  2,500 / ≈10,000 followers',
  );
  expect(progressLine(12, 10, 'followers', { width: 10 })).toBe('[██████████] 100%  12 / 10 followers');
  expect(progressLine(1500, null, 'followers')).toBe('1,500 followers');
  expect(progressLine(3, 0, 'followers')).toBe('3 followers');
});
