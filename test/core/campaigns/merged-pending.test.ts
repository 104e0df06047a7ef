import { describe, expect, test } from 'vitest';
import { redundantAfterMerge } from '../../../src/core/campaigns/merged-pending.ts';
import type { Campaign } from '../../../src/schemas/campaign.ts';
import type { JourneyEntry } from '../../../src/core/campaigns/journey-entry.ts';

const entry = (
  id: string,
  campaign_id: string,
  triggered_at: number,
  due_at = triggered_at + 3_600_000,
): JourneyEntry => ({
  id,
  campaign_id,
  user_id: 'u',
  state: 'pending',
  triggered_at,
  due_at,
  context: {} as JourneyEntry['context'],
  updated_at: triggered_at,
});
const campaign = (id: string, reeligibility: Campaign['reeligibility'] = null) => ({ id, reeligibility }) as Campaign;
const campaigns = new Map([
  ['once', campaign('once')],
  ['weekly', campaign('weekly', { after_seconds: 604_800 })],
  ['every', campaign('every', { after_seconds: 0 })],
]);
const ids = (entries: JourneyEntry[]) => entries.map((e) => e.id).sort();

describe('pending sends held twice after a merge', () => {
  test('one pending send per campaign: nothing is redundant', () => {
    expect(redundantAfterMerge([entry('a', 'once', 1), entry('b', 'weekly', 2)], (id) => campaigns.get(id))).toEqual(
      [],
    );
  });

  test('two of one campaign: the later triggered goes, whichever falls due first', () => {
    expect(
      ids(
        redundantAfterMerge([entry('late', 'once', 20, 30), entry('early', 'once', 10, 90)], (id) => campaigns.get(id)),
      ),
    ).toEqual(['late']);
    expect(
      ids(
        redundantAfterMerge([entry('a', 'weekly', 5), entry('b', 'weekly', 7), entry('c', 'weekly', 6)], (id) =>
          campaigns.get(id),
        ),
      ),
    ).toEqual(['b', 'c']);
  });

  test('triggered together: the earlier due stays, then the lower id', () => {
    expect(
      ids(redundantAfterMerge([entry('a', 'once', 10, 50), entry('b', 'once', 10, 40)], (id) => campaigns.get(id))),
    ).toEqual(['a']);
    expect(
      ids(redundantAfterMerge([entry('b', 'once', 10, 40), entry('a', 'once', 10, 40)], (id) => campaigns.get(id))),
    ).toEqual(['b']);
  });

  test('a campaign that sends on every trigger, or one no longer defined, keeps them all', () => {
    const pending = [entry('a', 'every', 1), entry('b', 'every', 2), entry('c', 'gone', 1), entry('d', 'gone', 2)];
    expect(redundantAfterMerge(pending, (id) => campaigns.get(id))).toEqual([]);
  });

  test('each campaign is judged on its own', () => {
    const pending = [
      entry('o1', 'once', 1),
      entry('o2', 'once', 2),
      entry('e1', 'every', 1),
      entry('e2', 'every', 2),
      entry('w1', 'weekly', 3),
    ];
    expect(ids(redundantAfterMerge(pending, (id) => campaigns.get(id)))).toEqual(['o2']);
  });
});
