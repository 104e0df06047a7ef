import { describe, expect, test } from 'vitest';
import {
  decideOccurrence,
  emptyDecisions,
  type DecisionContext,
  type LiveCampaign,
  type UserCampaignState,
} from '../../../src/core/campaigns/decide.ts';
import { matchesPropertyFilters } from '../../../src/core/campaigns/property-filter.ts';
import { buildTriggerIndex, type Occurrence } from '../../../src/core/campaigns/triggers.ts';
import type { EventRecord } from '../../../src/core/event.ts';
import { newUserRecord, type Json } from '../../../src/core/user.ts';
import type { Campaign } from '../../../src/schemas/campaign.ts';

const T0 = Date.UTC(2026, 2, 6, 8); // a Friday, 09:00 in Paris

const campaign = (overrides: Partial<Campaign> = {}): Campaign => ({
  id: 'cart',
  name: 'Cart reminder',
  status: 'active',
  trigger: { type: 'custom_event', event: 'added_to_cart' },
  delay: { type: 'duration', seconds: 3600 },
  exceptions: [{ type: 'purchase' }],
  message: { channel: 'line-main', default: { type: 'text', text: 'Hi' } },
  ...overrides,
});

function context(campaigns: Campaign[], now = T0, activatedAt: number | null = T0 - 86_400_000): DecisionContext {
  let n = 0;
  return {
    now,
    companyTimeZone: 'Europe/Paris',
    campaigns: new Map(campaigns.map((c): [string, LiveCampaign] => [c.id, { campaign: c, activatedAt }])),
    segments: new Map(),
    index: buildTriggerIndex(campaigns, matchesPropertyFilters),
    newId: () => `id-${String(++n).padStart(3, '0')}`,
  };
}

const state = (): UserCampaignState => ({
  user: { ...newUserRecord('u-1', 0), standard: { country: 'JP' } },
  pending: [],
  receipts: new Map(),
});

let eventCount = 0;
const event = (
  name: string,
  properties: Record<string, Json> = {},
  purchase: EventRecord['purchase'] = null,
): Occurrence => ({
  kind: 'event',
  event: {
    id: `ev-${++eventCount}`,
    user_id: 'u-1',
    name,
    time: T0,
    properties,
    purchase,
    source: 'api',
    received_at: T0,
  },
});
const purchase = () => event('purchase', {}, { product_id: 'sku', currency: 'USD', price: 1, quantity: 1 });
const outcomes = (d: { timeline: Array<{ outcome: string; reason: string | null }> }) =>
  d.timeline.map((t) => (t.reason ? `${t.outcome}:${t.reason}` : t.outcome));

describe('decideOccurrence', () => {
  test('a matching trigger schedules the send after the delay', () => {
    const s = state();
    const d = decideOccurrence(event('added_to_cart'), s, context([campaign()]));
    expect(outcomes(d)).toEqual(['triggered', 'scheduled']);
    expect(d.entries).toMatchObject([
      {
        campaign_id: 'cart',
        user_id: 'u-1',
        due_at: T0 + 3_600_000,
        state: 'pending',
        context: { event: { name: 'added_to_cart' } },
      },
    ]);
    expect(d.timeline[1]!.details).toEqual({ send_at: new Date(T0 + 3_600_000).toISOString() });
    expect(s.pending).toHaveLength(1);
  });

  test('an event that matches no trigger decides nothing', () => {
    expect(decideOccurrence(event('app_opened'), state(), context([campaign()]))).toEqual(emptyDecisions());
  });

  test('an exception in the same request, after the trigger, cancels the pending send', () => {
    const s = state();
    const ctx = context([campaign()]);
    const d = decideOccurrence(event('added_to_cart'), s, ctx);
    decideOccurrence(purchase(), s, ctx, d);
    expect(outcomes(d)).toEqual(['triggered', 'scheduled', 'cancelled:exception_event']);
    expect(d.entries).toEqual([]);
    expect(s.pending).toEqual([]);
  });

  test('an exception before the trigger cancels nothing', () => {
    const s = state();
    const ctx = context([campaign()]);
    const d = decideOccurrence(purchase(), s, ctx);
    decideOccurrence(event('added_to_cart'), s, ctx, d);
    expect(outcomes(d)).toEqual(['triggered', 'scheduled']);
  });

  test('a trigger that is also an exception cancels the pending send and restarts the delay', () => {
    const c = campaign({ exceptions: [{ type: 'custom_event', event: 'added_to_cart' }] });
    const s = state();
    const d1 = decideOccurrence(event('added_to_cart'), s, context([c]));
    const d2 = decideOccurrence(event('added_to_cart'), s, context([c], T0 + 600_000));
    expect(outcomes(d2)).toEqual(['cancelled:exception_event', 'triggered', 'scheduled']);
    expect(d2.finished).toEqual([d1.entries[0]!.id]);
    expect(s.pending.map((e) => e.due_at)).toEqual([T0 + 600_000 + 3_600_000]);
  });

  test('while a send is pending, a new trigger is already_pending unless every trigger may send', () => {
    const s = state();
    decideOccurrence(event('added_to_cart'), s, context([campaign()]));
    expect(outcomes(decideOccurrence(event('added_to_cart'), s, context([campaign()])))).toEqual([
      'triggered',
      'suppressed:already_pending',
    ]);
    const every = campaign({ reeligibility: { after_seconds: 0 } });
    const s2 = state();
    decideOccurrence(event('added_to_cart'), s2, context([every]));
    expect(outcomes(decideOccurrence(event('added_to_cart'), s2, context([every])))).toEqual([
      'triggered',
      'scheduled',
    ]);
  });

  test.each<[string, Campaign['reeligibility'], number, string]>([
    ['never again by default', null, 10 * 86_400_000, 'suppressed:not_reeligible'],
    ['one second before N seconds', { after_seconds: 3600 }, 3_599_000, 'suppressed:not_reeligible'],
    ['at exactly N seconds', { after_seconds: 3600 }, 3_600_000, 'scheduled'],
    ['after N seconds', { after_seconds: 3600 }, 3_601_000, 'scheduled'],
  ])('re-eligibility %s', (_name, reeligibility, sinceReceipt, expected) => {
    const s = state();
    s.receipts.set('cart', {
      user_id: 'u-1',
      campaign_id: 'cart',
      last_received_at: T0 - sinceReceipt,
      converted_at: null,
    });
    expect(outcomes(decideOccurrence(event('added_to_cart'), s, context([campaign({ reeligibility })])))).toEqual([
      'triggered',
      expected,
    ]);
  });

  test('a user outside the audience is suppressed', () => {
    const c = campaign({ audience: { filters: [{ attribute: 'country', op: 'eq', value: 'FR' }] } });
    expect(outcomes(decideOccurrence(event('added_to_cart'), state(), context([c])))).toEqual([
      'triggered',
      'suppressed:not_in_audience',
    ]);
  });

  test('a trigger before the campaign became active is event_before_launch', () => {
    expect(outcomes(decideOccurrence(event('added_to_cart'), state(), context([campaign()], T0, T0 + 1)))).toEqual([
      'triggered',
      'suppressed:event_before_launch',
    ]);
  });

  test('a time window the trigger is outside of suppresses', () => {
    const c = campaign({ delay: null, time_window: { start: '10:00', end: '18:00', time_zone: 'company' } });
    expect(outcomes(decideOccurrence(event('added_to_cart'), state(), context([c])))).toEqual([
      'triggered',
      'suppressed:outside_time_window',
    ]);
  });

  test('a send moved to the window opening is deferred', () => {
    const c = campaign({
      delay: { type: 'duration', seconds: 12 * 3600 },
      time_window: { start: '09:00', end: '18:00', time_zone: 'company', send_at_next_available: true },
    });
    const d = decideOccurrence(event('added_to_cart'), state(), context([c]));
    expect(outcomes(d)).toEqual(['triggered', 'deferred']);
    expect(d.entries[0]!.due_at).toBe(Date.UTC(2026, 2, 7, 8)); // Saturday 09:00 Paris
  });

  test('a conversion is recorded once per receipt and fires conversion triggers', () => {
    const converting = campaign({ conversion_events: [{ type: 'purchase', within_seconds: 3600 }] });
    const followUp = campaign({
      id: 'thanks',
      trigger: { type: 'conversion', campaign: 'cart' },
      delay: null,
      exceptions: [],
    });
    const s = state();
    s.receipts.set('cart', {
      user_id: 'u-1',
      campaign_id: 'cart',
      last_received_at: T0 - 3_600_000,
      converted_at: null,
    });
    const ctx = context([converting, followUp]);
    const d = decideOccurrence(purchase(), s, ctx);
    expect(outcomes(d)).toEqual(['converted', 'triggered', 'scheduled']);
    expect(d.timeline.map((t) => t.campaign_id)).toEqual(['cart', 'thanks', 'thanks']);
    expect(d.receipts).toEqual([
      { user_id: 'u-1', campaign_id: 'cart', last_received_at: T0 - 3_600_000, converted_at: T0 },
    ]);
    expect(outcomes(decideOccurrence(purchase(), s, ctx))).toEqual([]);
  });

  test('a conversion after its window is not recorded', () => {
    const s = state();
    s.receipts.set('cart', {
      user_id: 'u-1',
      campaign_id: 'cart',
      last_received_at: T0 - 3_601_000,
      converted_at: null,
    });
    expect(
      decideOccurrence(
        purchase(),
        s,
        context([campaign({ exceptions: [], conversion_events: [{ type: 'purchase', within_seconds: 3600 }] })]),
      ).timeline,
    ).toEqual([]);
  });

  test('a cancelled send fires the exception trigger of other campaigns', () => {
    const winBack = campaign({
      id: 'win-back',
      trigger: { type: 'exception', campaign: 'cart' },
      delay: null,
      exceptions: [],
    });
    const s = state();
    const ctx = context([campaign(), winBack]);
    decideOccurrence(event('added_to_cart'), s, ctx);
    const d = decideOccurrence(purchase(), s, ctx);
    expect(outcomes(d)).toEqual(['cancelled:exception_event', 'triggered', 'scheduled']);
    expect(d.timeline[1]!.campaign_id).toBe('win-back');
  });
});
