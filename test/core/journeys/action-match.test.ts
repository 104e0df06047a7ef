import { describe, expect, test } from 'vitest';
import type { Trigger } from '../../../src/schemas/campaign.ts';
import { systemEvent, type EventRecord } from '../../../src/core/event.ts';
import { actionQualifies } from '../../../src/core/journeys/action-match.ts';
import type { Occurrence } from '../../../src/core/campaigns/triggers.ts';
import { counter, NOW } from '../fixtures.ts';

const ids = counter('e');
const system = (name: string, properties: Record<string, string>): Occurrence => ({
  kind: 'event',
  event: systemEvent({ now: NOW, newId: ids }, 'u-1', name, properties),
});
const api = (name: string, fields: Partial<EventRecord> = {}): Occurrence => ({
  kind: 'event',
  event: { ...systemEvent({ now: NOW, newId: ids }, 'u-1', name, {}), source: 'api', ...fields },
});
const qualifies = (trigger: Trigger, occurrence: Occurrence) => actionQualifies(trigger, occurrence, 'canvas-1');

describe('actionQualifies answers as a campaign trigger of the same shape', () => {
  test('inbound messages: channel type, channel, subscription group and words', () => {
    const inbound = (props: Record<string, string>) =>
      system('inbound_message', { channel_type: 'line', channel: 'line-main', text: 'ｙｅｓ', ...props });
    const yes: Trigger = {
      type: 'inbound_message',
      channel_type: 'line',
      channel: 'line-main',
      trigger_words: ['YES'],
    };
    expect(qualifies(yes, inbound({}))).toBe(true);
    expect(qualifies(yes, inbound({ channel: 'line-other' }))).toBe(false);
    expect(qualifies(yes, inbound({ channel_type: 'sms' }))).toBe(false);
    expect(qualifies(yes, inbound({ text: 'no' }))).toBe(false);
    expect(qualifies({ type: 'inbound_message', channel_type: 'line', subscription_group: 'g' }, inbound({}))).toBe(
      false,
    );
    expect(qualifies({ type: 'inbound_message', channel_type: 'line' }, inbound({ text: 'anything' }))).toBe(true);
    expect(qualifies({ type: 'inbound_message', channel_type: 'line' }, api('inbound_message'))).toBe(false);
  });

  test('subscription changes by group and state; purchases by product', () => {
    const change = system('subscription_changed', { subscription_group_id: 'news', state: 'unsubscribed' });
    expect(qualifies({ type: 'subscription_changed', subscription_group: 'news' }, change)).toBe(true);
    expect(qualifies({ type: 'subscription_changed', subscription_group: 'news', state: 'subscribed' }, change)).toBe(
      false,
    );
    expect(qualifies({ type: 'subscription_changed', subscription_group: 'other' }, change)).toBe(false);

    const purchase = api('purchase', { purchase: { product_id: 'shoe', currency: 'USD', price: 1, quantity: 1 } });
    expect(qualifies({ type: 'purchase' }, purchase)).toBe(true);
    expect(qualifies({ type: 'purchase', product_id: 'shoe' }, purchase)).toBe(true);
    expect(qualifies({ type: 'purchase', product_id: 'hat' }, purchase)).toBe(false);
    expect(qualifies({ type: 'custom_event', event: 'purchase' }, purchase)).toBe(false);
  });
});
