import { describe, expect, test } from 'vitest';
import {
  validateDefinitionSet,
  type ContentChecks,
  type DefinitionSet,
} from '../../../src/core/campaigns/validate-definitions.ts';
import type { Campaign } from '../../../src/schemas/campaign.ts';

const noContentChecks: ContentChecks = { message: () => [], contentBlocks: () => [] };

const campaign = (overrides: Partial<Campaign> = {}): Campaign => ({
  id: 'c',
  name: 'C',
  status: 'active',
  trigger: { type: 'custom_event', event: 'e' },
  message: { channel: 'line-main', default: { type: 'text', text: 'hi' } },
  ...overrides,
});

const set = (campaigns: Campaign[], extra: Partial<DefinitionSet> = {}): DefinitionSet => ({
  campaigns,
  segments: [],
  content_blocks: [],
  subscription_groups: [],
  channelTypes: new Map([['line-main', 'line']]),
  ...extra,
});

const fields = (s: DefinitionSet) => validateDefinitionSet(s, noContentChecks).map((p) => p.field);

describe('validateDefinitionSet', () => {
  test('a plain campaign is valid', () => {
    expect(validateDefinitionSet(set([campaign()]), noContentChecks)).toEqual([]);
  });

  test.each<[string, Partial<Campaign>, string]>([
    [
      'ends_at before starts_at',
      { starts_at: '2026-03-02T00:00:00Z', ends_at: '2026-03-01T00:00:00Z' },
      'campaigns[c].ends_at',
    ],
    ['exceptions that can never apply', { exceptions: [{ type: 'purchase' }] }, 'campaigns[c].exceptions'],
    [
      'an unknown channel',
      { message: { channel: 'nope', default: { type: 'text', text: 'x' } } },
      'campaigns[c].message.channel',
    ],
    [
      'an unknown fallback channel',
      {
        message: {
          channel: 'line-main',
          default: { type: 'text', text: 'x' },
          fallback: { channel: 'sms', default: { type: 'text', text: 'y' } },
        },
      },
      'campaigns[c].message.fallback.channel',
    ],
    [
      'by_channel naming no channel',
      {
        message: {
          channel: 'line-main',
          default: { type: 'text', text: 'x' },
          by_channel: { mail: { type: 'text', text: 'y' } },
        },
      },
      'campaigns[c].message.by_channel.mail',
    ],
    ['an unknown segment', { audience: { segment: 'vip' } }, 'campaigns[c].audience'],
    [
      'a bad property filter',
      { trigger: { type: 'custom_event', event: 'e', filters: [{ property: 'p', op: 'between', value: [3, 1] }] } },
      'campaigns[c].trigger.filters',
    ],
    [
      'a trigger naming no campaign',
      { trigger: { type: 'conversion', campaign: 'ghost' } },
      'campaigns[c].trigger.campaign',
    ],
    [
      'a trigger naming no subscription group',
      { trigger: { type: 'subscription_changed', subscription_group: 'ghost' } },
      'campaigns[c].trigger.subscription_group',
    ],
    [
      'an inbound trigger naming no channel',
      { trigger: { type: 'inbound_message', channel_type: 'line', channel: 'ghost' } },
      'campaigns[c].trigger.channel',
    ],
    [
      'an invalid trigger-word regex',
      { trigger: { type: 'inbound_message', channel_type: 'line', trigger_words: ['(unclosed'], match: 'regex' } },
      'campaigns[c].trigger.trigger_words[0]',
    ],
  ])('refuses %s', (_name, overrides, field) => {
    expect(fields(set([campaign(overrides)]))).toEqual([field]);
  });

  test('exceptions are allowed with a delay or a time window', () => {
    expect(
      fields(set([campaign({ exceptions: [{ type: 'purchase' }], delay: { type: 'duration', seconds: 60 } })])),
    ).toEqual([]);
    expect(
      fields(
        set([
          campaign({
            exceptions: [{ type: 'purchase' }],
            time_window: { start: '09:00', end: '18:00', time_zone: 'user' },
          }),
        ]),
      ),
    ).toEqual([]);
  });

  test('a campaign may name a segment and a campaign defined in the same set', () => {
    const s = set(
      [
        campaign({ audience: { segment: 'vip' } }),
        campaign({ id: 'd', trigger: { type: 'campaign_interaction', campaign: 'c', interaction: 'sent' } }),
      ],
      {
        segments: [{ id: 'vip', filters: [{ attribute: 'tier', op: 'eq', value: 'gold' }] }],
      },
    );
    expect(fields(s)).toEqual([]);
  });

  test('content problems are collected from the checks handed in', () => {
    const checks: ContentChecks = {
      message: (_c, path) => [{ field: `${path}.default.text`, message: 'bad' }],
      contentBlocks: () => [{ field: 'content_blocks[a].template', message: 'cycle' }],
    };
    expect(validateDefinitionSet(set([campaign()]), checks).map((p) => p.field)).toEqual([
      'content_blocks[a].template',
      'campaigns[c].message.default.text',
    ]);
  });
});
