import { describe, expect, test } from 'vitest';
import { checkScope, type DefinitionChange } from '../../../src/core/campaigns/check-scope.ts';
import type { DefinitionSet } from '../../../src/core/campaigns/validate-definitions.ts';
import type { Campaign } from '../../../src/schemas/campaign.ts';

const campaign = (id: string, overrides: Partial<Campaign> = {}): Campaign => ({
  id,
  name: id,
  status: 'active',
  trigger: { type: 'custom_event', event: 'e' },
  message: { channel: 'line-main', default: { type: 'text', text: 'hi' } },
  ...overrides,
});
const text = (channel: string, body: string): Campaign['message'] => ({
  channel,
  default: { type: 'text', text: body },
});

const set: DefinitionSet = {
  campaigns: [
    campaign('plain'),
    campaign('direct', { message: text('line-main', '{{ content_blocks.footer }}') }),
    campaign('braze-form', { message: text('line-main', '{{content_blocks.${signature}}}') }),
    campaign('through', { message: text('line-main', '{{ content_blocks.outer }}') }),
    campaign('on-sms', { message: text('sms', 'x') }),
    campaign('fallback-sms', { message: { ...text('line-main', 'x'), fallback: text('sms', 'y') } }),
    campaign('by-channel-sms', {
      message: { ...text('line-main', 'x'), by_channel: { sms: { type: 'text', text: 'y' } } },
    }),
    campaign('vip-only', { audience: { segment: 'vip' } }),
    campaign('after-plain', { trigger: { type: 'campaign_interaction', campaign: 'plain', interaction: 'sent' } }),
  ],
  segments: [{ id: 'vip', filters: [{ subscription_group: 'news', state: 'subscribed' }] }],
  content_blocks: [
    { id: 'footer', template: 'bye' },
    { id: 'signature', template: 'team' },
    { id: 'outer', template: '[{{ content_blocks.inner }}]' },
    { id: 'inner', template: '{{ content_blocks.footer }}' },
  ],
  subscription_groups: [
    { id: 'news', name: 'News', channel_type: 'email' } as DefinitionSet['subscription_groups'][number],
  ],
  channelTypes: new Map([
    ['line-main', 'line'],
    ['sms', 'twilio_sms'],
  ]),
};

const scope = (change: DefinitionChange) => {
  const { campaigns, segments, contentBlocks } = checkScope(set, change);
  return { campaigns: [...campaigns].sort(), segments: [...segments].sort(), contentBlocks: [...contentBlocks].sort() };
};

describe('checkScope', () => {
  test('a written campaign is checked alone, even when others name it', () => {
    expect(scope({ campaigns: ['plain'] })).toEqual({ campaigns: ['plain'], segments: [], contentBlocks: [] });
  });

  test('a written content block checks the campaigns including it, directly, in Braze form or through other blocks', () => {
    expect(scope({ content_blocks: ['footer'] })).toEqual({
      campaigns: ['direct', 'through'],
      segments: [],
      contentBlocks: ['footer'],
    });
    expect(scope({ content_blocks: ['signature'] }).campaigns).toEqual(['braze-form']);
  });

  test('a written channel checks the campaigns whose message, fallback or by_channel goes to it', () => {
    expect(scope({ channels: ['sms'] }).campaigns).toEqual(['by-channel-sms', 'fallback-sms', 'on-sms']);
  });

  test('a written segment or subscription group checks only itself: references need only exist', () => {
    expect(scope({ segments: ['vip'], subscription_groups: ['news'] })).toEqual({
      campaigns: [],
      segments: ['vip'],
      contentBlocks: [],
    });
  });

  test('a removal checks what names the removed definitions, not the removed ones', () => {
    expect(scope({ segments: ['vip'], removed: true }).campaigns).toEqual(['vip-only']);
    expect(scope({ campaigns: ['plain'], removed: true }).campaigns).toEqual(['after-plain']);
    expect(scope({ subscription_groups: ['news'], removed: true }).segments).toEqual(['vip']);
    expect(scope({ content_blocks: ['footer'], removed: true })).toEqual({
      campaigns: ['direct', 'through'],
      segments: [],
      contentBlocks: ['inner', 'outer'],
    });
  });
});
