import type { DefinitionBundle } from '../../src/engine/campaigns/definitions.ts';
import type { Campaign } from '../../src/schemas/campaign.ts';
import type { Scenario, ScenarioStep } from '../../src/simulation/scenario.ts';

/**
 * B4's scenario, generated (deterministically, from a seed): `users` profiles in several time zones,
 * 20 campaigns covering the engine's timing and eligibility rules, and a month of sessions whose
 * events are spread over the 30 days, as `tidings simulate` would read them from a YAML file.
 */

export interface ScenarioSize {
  users: number;
  days: number;
  /** Average sessions per user over the period (each a session_start and a few events). */
  sessionsPerUser: number;
  seed?: number;
}

export interface GeneratedScenario {
  scenario: Scenario;
  definitions: DefinitionBundle;
  counts: {
    users: number;
    campaigns: number;
    steps: number;
    events: number;
    purchases: number;
    attribute_updates: number;
  };
}

export const START = '2026-03-02T00:00:00Z';
const SLOT_MS = 10 * 60_000;
const MAX_PER_REQUEST = 75;

/** Time zones of the users (and some with none, who get the company's). */
const ZONES = [
  'Asia/Tokyo',
  'Europe/Paris',
  'America/New_York',
  'America/Los_Angeles',
  'Australia/Sydney',
  'Asia/Kolkata',
  'UTC',
  null,
] as const;
const COUNTRIES = ['JP', 'FR', 'US', 'US', 'AU', 'IN', 'GB', 'DE'] as const;
const CATEGORIES = ['shoes', 'apparel', 'electronics', 'home', 'beauty', 'toys'] as const;
const FIRST_NAMES = ['Aiko', 'Ben', 'Chloé', 'Daichi', 'Emma', 'Felix', 'Hana', 'Jun', 'Léa', 'Mei', 'Noah', 'Priya'];

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const text = (body: string) => ({ type: 'text' as const, text: body });
const hi = "Hi {{ user.first_name | default: 'there' }}";

/** The 20 campaigns: delays of every kind, time windows (two across midnight), exceptions, re-eligibility, audiences, conversions. */
export function benchCampaigns(days: number): Campaign[] {
  const at = (day: number) => new Date(Date.parse(START) + day * 86_400_000).toISOString();
  return [
    {
      id: 'cart-reminder',
      name: 'Abandoned cart reminder',
      status: 'active',
      trigger: {
        type: 'custom_event',
        event: 'added_to_cart',
        filters: [{ property: 'cart_value', op: 'gte', value: 100 }],
      },
      audience: { filters: [{ attribute: 'line_id', op: 'exists' }] },
      delay: { type: 'duration', seconds: 3600 },
      exceptions: [{ type: 'purchase' }],
      time_window: { start: '09:00', end: '21:00', time_zone: 'user', send_at_next_available: true },
      reeligibility: { after_seconds: 86_400 },
      message: {
        channel: 'line-main',
        default: text(
          `${hi}, your {{ event.properties.category }} cart ({{ event.properties.cart_value }}) is waiting`,
        ),
      },
    },
    {
      id: 'cart-followup',
      name: 'Cart follow-up by email, a day after the reminder',
      status: 'active',
      trigger: { type: 'campaign_interaction', campaign: 'cart-reminder', interaction: 'sent' },
      delay: { type: 'duration', seconds: 86_400 },
      exceptions: [{ type: 'purchase' }],
      reeligibility: { after_seconds: 0 },
      message: {
        channel: 'mail',
        default: { type: 'email', subject: 'Still thinking it over?', text: `${hi}, your cart is still there.` },
        fallback: { channel: 'hook', default: text('cart follow-up') },
      },
    },
    {
      id: 'browse-nudge',
      name: 'Browse abandonment',
      status: 'active',
      trigger: {
        type: 'custom_event',
        event: 'product_viewed',
        filters: [{ property: 'category', op: 'in', value: ['shoes', 'apparel'] }],
      },
      delay: { type: 'duration', seconds: 1800 },
      exceptions: [{ type: 'custom_event', event: 'added_to_cart' }],
      reeligibility: { after_seconds: 7 * 86_400 },
      conversion_events: [{ type: 'purchase', within_seconds: 2 * 86_400 }],
      message: { channel: 'line-main', default: text(`${hi}, still looking at {{ event.properties.category }}?`) },
    },
    {
      id: 'nudge-converted',
      name: 'Thanks after a converted nudge',
      status: 'active',
      trigger: { type: 'conversion', campaign: 'browse-nudge' },
      message: { channel: 'hook', default: text('converted') },
    },
    {
      id: 'welcome',
      name: 'Welcome, once ever',
      status: 'active',
      trigger: { type: 'custom_event', event: 'signed_up' },
      reeligibility: null,
      message: {
        channel: 'mail',
        default: { type: 'email', subject: 'Welcome {{ user.first_name }}', text: 'Hello and welcome.' },
        fallback: { channel: 'line-main', default: text(`${hi}, welcome!`) },
      },
    },
    {
      id: 'weekly-digest',
      name: 'Monday digest after a session',
      status: 'active',
      trigger: { type: 'session_start' },
      delay: { type: 'next_weekday', weekday: 'monday', time: '10:00', time_zone: 'user' },
      reeligibility: { after_seconds: 6 * 86_400 },
      message: { channel: 'mail', default: { type: 'email', subject: 'Your week', text: `${hi}, here is your week.` } },
    },
    {
      id: 'post-purchase',
      name: 'Three days after a purchase, 10:00 local',
      status: 'active',
      trigger: { type: 'purchase' },
      delay: { type: 'calendar_days', days: 3, time: '10:00', time_zone: 'user' },
      reeligibility: { after_seconds: 0 },
      message: { channel: 'line-main', default: text(`${hi}, how is your order?`) },
    },
    {
      id: 'review-request',
      name: 'Review request on Saturday',
      status: 'active',
      trigger: { type: 'purchase', product_id: 'sku-7' },
      delay: { type: 'next_weekday', weekday: 'saturday', time: '11:00', time_zone: 'company' },
      reeligibility: { after_seconds: 14 * 86_400 },
      message: { channel: 'hook', default: text('please review sku-7') },
    },
    {
      id: 'night-owl',
      name: 'Night owls only (22:00–06:00 local, else suppressed)',
      status: 'active',
      trigger: { type: 'session_start' },
      time_window: { start: '22:00', end: '06:00', time_zone: 'user' },
      reeligibility: { after_seconds: 86_400 },
      message: { channel: 'sms', default: text('Up late? 10% off until 6am.') },
    },
    {
      id: 'late-sale',
      name: 'Midnight sale after a search (23:00–02:00 Paris, next opening)',
      status: 'active',
      trigger: { type: 'custom_event', event: 'search' },
      delay: { type: 'duration', seconds: 600 },
      time_window: { start: '23:00', end: '02:00', time_zone: 'company', send_at_next_available: true },
      reeligibility: { after_seconds: 12 * 3600 },
      message: { channel: 'hook', default: text('midnight sale: {{ event.properties.query }}') },
    },
    {
      id: 'vip-cart',
      name: 'VIP cart, office hours',
      status: 'active',
      trigger: { type: 'custom_event', event: 'added_to_cart' },
      audience: { segment: 'vip' },
      time_window: { start: '08:00', end: '20:00', time_zone: 'company', send_at_next_available: true },
      exceptions: [{ type: 'purchase' }],
      reeligibility: { after_seconds: 2 * 86_400 },
      message: { channel: 'line-main', default: text(`${hi}, a VIP gift is waiting in your cart`) },
    },
    {
      id: 'price-drop',
      name: 'Price drop, JP and FR',
      status: 'active',
      trigger: {
        type: 'custom_event',
        event: 'price_dropped',
        filters: [{ property: 'category', op: 'in', value: ['electronics', 'home', 'beauty'] }],
      },
      audience: { filters: [{ attribute: 'country', op: 'in', value: ['JP', 'FR'] }] },
      delay: { type: 'duration', seconds: 7200 },
      reeligibility: { after_seconds: 3 * 86_400 },
      message: {
        channel: 'sms',
        default: text('{{ event.properties.category }} is cheaper now'),
        fallback: { channel: 'line-main', default: text('price drop!') },
      },
    },
    {
      id: 'wishlist',
      name: 'Wishlist, next morning 09:00–12:00 local',
      status: 'active',
      trigger: { type: 'custom_event', event: 'wishlist_added' },
      delay: { type: 'calendar_days', days: 1, time: '09:00', time_zone: 'user' },
      time_window: { start: '09:00', end: '12:00', time_zone: 'user', send_at_next_available: true },
      reeligibility: { after_seconds: 86_400 },
      message: { channel: 'line-main', default: text(`${hi}, your wishlist misses you`) },
    },
    {
      id: 'search-retarget',
      name: 'Every search, a minute later unless a product was viewed',
      status: 'active',
      trigger: { type: 'custom_event', event: 'search' },
      delay: { type: 'duration', seconds: 60 },
      exceptions: [{ type: 'custom_event', event: 'product_viewed' }],
      reeligibility: { after_seconds: 0 },
      message: { channel: 'hook', default: text('results for {{ event.properties.query }}') },
    },
    {
      id: 'premium-checkin',
      name: 'Premium check-in, audience checked again at send',
      status: 'active',
      trigger: { type: 'session_start' },
      audience: { filters: [{ attribute: 'plan', op: 'eq', value: 'premium' }] },
      reevaluate_audience_at_send: true,
      delay: { type: 'duration', seconds: 2 * 86_400 },
      reeligibility: { after_seconds: 7 * 86_400 },
      message: {
        channel: 'mail',
        default: { type: 'email', subject: 'Your premium perks', text: 'Thanks for being premium.' },
      },
    },
    {
      id: 'cart-saved',
      name: 'Bought before the reminder',
      status: 'active',
      trigger: { type: 'exception', campaign: 'cart-reminder' },
      message: { channel: 'hook', default: text('enjoy your purchase') },
    },
    {
      id: 'spring-promo',
      name: 'Spring promo, days 2–15 only',
      status: 'active',
      trigger: { type: 'custom_event', event: 'product_viewed' },
      starts_at: at(1),
      ends_at: at(Math.min(days, 14)),
      delay: { type: 'duration', seconds: 3 * 3600 },
      reeligibility: { after_seconds: 3 * 86_400 },
      message: { channel: 'line-main', default: text('Spring promo: 15% off') },
    },
    {
      id: 'email-welcome',
      name: 'Email added',
      status: 'active',
      trigger: { type: 'email_added' },
      message: { channel: 'mail', default: { type: 'email', subject: 'Email confirmed', text: 'We will write here.' } },
    },
    {
      id: 'lapsed-reminder',
      name: 'A week after the last session, 19:00 Paris',
      status: 'active',
      trigger: { type: 'session_start' },
      audience: {
        filters: [
          {
            any: [
              { attribute: 'line_id', op: 'exists' },
              { attribute: 'email', op: 'exists' },
            ],
          },
          { not: { attribute: 'country', op: 'eq', value: 'US' } },
        ],
      },
      delay: { type: 'calendar_days', days: 7, time: '19:00', time_zone: 'company' },
      exceptions: [{ type: 'session_start' }],
      reeligibility: { after_seconds: 0 },
      message: {
        channel: 'line-main',
        default: text(`${hi}, we miss you`),
        fallback: { channel: 'mail', default: { type: 'email', subject: 'We miss you', text: 'Come back.' } },
      },
    },
    {
      id: 'big-order',
      name: 'Big order, 5 minutes later, office hours only',
      status: 'active',
      trigger: {
        type: 'custom_event',
        event: 'checkout_completed',
        filters: [{ property: 'order_total', op: 'gte', value: 200 }],
      },
      delay: { type: 'duration', seconds: 300 },
      time_window: { start: '09:00', end: '18:00', time_zone: 'company' },
      reeligibility: { after_seconds: 86_400 },
      message: { channel: 'sms', default: text('Thanks for your order of {{ event.properties.order_total }}') },
    },
  ] as Campaign[];
}

export function benchDefinitions(days: number): DefinitionBundle {
  return {
    channels: [
      { id: 'line-main', type: 'line' },
      { id: 'mail', type: 'smtp', from: 'Shop <news@example.com>' },
      { id: 'sms', type: 'twilio_sms', from: '+15005550006' },
      { id: 'hook', type: 'webhook', url: 'https://example.com/hook' },
    ],
    segments: [
      {
        id: 'vip',
        name: 'VIP',
        filters: [
          { attribute: 'lifetime_value', op: 'gte', value: 500 },
          { attribute: 'plan', op: 'eq', value: 'premium' },
        ],
      },
    ],
    campaigns: benchCampaigns(days),
  } as DefinitionBundle;
}

type Body = Record<string, unknown>;

/** Builds the scenario: users at the start, then every session's events in 10-minute steps over `days`. */
export function generateScenario(size: ScenarioSize): GeneratedScenario {
  const random = prng(size.seed ?? 20_260_302);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const start = Date.parse(START);
  const periodMs = size.days * 86_400_000;
  const slots = Math.ceil(periodMs / SLOT_MS);
  const slotEvents: Body[][] = Array.from({ length: slots }, () => []);
  const slotPurchases: Body[][] = Array.from({ length: slots }, () => []);
  const slotAttributes: Body[][] = Array.from({ length: slots }, () => []);

  const attributes: Body[] = [];
  let events = 0;
  let purchases = 0;
  let attributeUpdates = 0;
  for (let n = 0; n < size.users; n++) {
    const externalId = `u${String(n).padStart(5, '0')}`;
    const zone = ZONES[n % ZONES.length];
    const profile: Body = { external_id: externalId, country: COUNTRIES[n % COUNTRIES.length] };
    if (random() < 0.8) profile.first_name = pick(FIRST_NAMES);
    if (zone) profile.time_zone = zone;
    if (random() < 0.8) profile.line_id = `U${(n + 1).toString(16).padStart(32, '0')}`;
    const emailNow = random() < 0.6;
    if (emailNow) profile.email = `${externalId}@example.com`;
    if (random() < 0.4) profile.phone = `+8190${String(10_000_000 + n).slice(-8)}`;
    profile.plan = random() < 0.2 ? 'premium' : 'free';
    profile.lifetime_value = Math.floor(random() * 1000);
    attributes.push(profile);

    // Sessions: uniform over the period; each a burst of events a minute or two apart (same step or the next).
    const sessions = Math.max(1, Math.round(size.sessionsPerUser * (0.5 + random())));
    const times = Array.from({ length: sessions }, () => Math.floor(random() * (periodMs - SLOT_MS))).sort(
      (a, b) => a - b,
    );
    let signedUp = false;
    for (const [i, t0] of times.entries()) {
      const event = (offsetMs: number, name: string, properties: Body = {}) => {
        const t = t0 + offsetMs;
        slotEvents[Math.floor(t / SLOT_MS)]!.push({
          external_id: externalId,
          name,
          time: new Date(start + t).toISOString(),
          properties,
        });
        events++;
      };
      event(0, 'session_start');
      if (i === 0 && !signedUp && random() < 0.3) {
        event(30_000, 'signed_up');
        signedUp = true;
      }
      const category = pick(CATEGORIES);
      const views = Math.floor(random() * 3);
      for (let v = 0; v < views; v++)
        event(60_000 * (v + 1), 'product_viewed', { category, sku: `sku-${Math.floor(random() * 10)}` });
      if (random() < 0.3) event(90_000, 'search', { query: pick(['sneakers', 'lamp', 'lipstick', 'robot', 'jacket']) });
      if (random() < 0.1) event(100_000, 'wishlist_added', { category });
      if (random() < 0.05) event(110_000, 'price_dropped', { category });
      if (random() < 0.35) {
        const cartValue = Math.floor(20 + random() * 380);
        event(240_000, 'added_to_cart', { category, cart_value: cartValue });
        if (random() < 0.35) {
          // Bought: in this session (before the reminder), or a few hours later.
          const later = random() < 0.5 ? 300_000 : Math.floor(2 * 3_600_000 + random() * 20 * 3_600_000);
          const t = Math.min(t0 + later, periodMs - 1);
          const slot = Math.floor(t / SLOT_MS);
          const time = new Date(start + t).toISOString();
          slotPurchases[slot]!.push({
            external_id: externalId,
            product_id: `sku-${Math.floor(random() * 10)}`,
            currency: 'USD',
            price: cartValue,
            time,
          });
          slotEvents[slot]!.push({
            external_id: externalId,
            name: 'checkout_completed',
            time,
            properties: { order_total: cartValue },
          });
          purchases++;
          events++;
        }
      }
    }
    // Some users give an email later on (email_added).
    if (!emailNow && random() < 0.25) {
      const t = Math.floor(random() * periodMs);
      slotAttributes[Math.floor(t / SLOT_MS)]!.push({ external_id: externalId, email: `${externalId}@example.com` });
      attributeUpdates++;
    }
  }

  const steps: ScenarioStep[] = [];
  for (let i = 0; i < attributes.length; i += MAX_PER_REQUEST) {
    steps.push({ at: START, track: { attributes: attributes.slice(i, i + MAX_PER_REQUEST) } });
  }
  for (let s = 0; s < slots; s++) {
    const at = new Date(start + (s + 1) * SLOT_MS).toISOString();
    // Events are sent at the end of their 10-minute slot, as a batching SDK would; their `time` is their own.
    const e = slotEvents[s]!.sort((a, b) => String(a.time).localeCompare(String(b.time)));
    const p = slotPurchases[s]!;
    const a = slotAttributes[s]!;
    const parts = Math.max(
      Math.ceil(e.length / MAX_PER_REQUEST),
      Math.ceil(p.length / MAX_PER_REQUEST),
      Math.ceil(a.length / MAX_PER_REQUEST),
    );
    for (let k = 0; k < parts; k++) {
      const track: Body = {};
      const slice = (list: Body[]) => list.slice(k * MAX_PER_REQUEST, (k + 1) * MAX_PER_REQUEST);
      if (slice(a).length > 0) track.attributes = slice(a);
      if (slice(e).length > 0) track.events = slice(e);
      if (slice(p).length > 0) track.purchases = slice(p);
      steps.push({ at, track });
    }
  }
  const definitions = benchDefinitions(size.days);
  const scenario: Scenario = {
    start: START,
    settings: { company_time_zone: 'Europe/Paris', default_country: 'JP' },
    steps,
    until: new Date(start + periodMs).toISOString(),
  };
  return {
    scenario,
    definitions,
    counts: {
      users: size.users,
      campaigns: definitions.campaigns?.length ?? 0,
      steps: steps.length,
      events,
      purchases,
      attribute_updates: attributeUpdates,
    },
  };
}
