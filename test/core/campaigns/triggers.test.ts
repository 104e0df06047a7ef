import { describe, expect, test } from 'vitest';
import {
  buildTriggerIndex,
  occurrenceKeys,
  triggerKey,
  type InboundContext,
  type Occurrence,
  type PropertyFiltersMatch,
} from '../../../src/core/campaigns/triggers.ts';
import type { EventRecord } from '../../../src/core/event.ts';
import type { Json } from '../../../src/core/user.ts';
import { DEFAULT_CONVERSION_WINDOW_SECONDS, type Campaign, type Trigger } from '../../../src/schemas/campaign.ts';
import type { PropertyFilter } from '../../../src/schemas/filters.ts';
import { NOW } from '../fixtures.ts';

function campaign(id: string, trigger: Trigger, over: Partial<Campaign> = {}): Campaign {
  return {
    id,
    name: id,
    status: 'active',
    trigger,
    message: { channel: 'line-main', default: { type: 'text', text: 'hi' } },
    ...over,
  };
}

function event(name: string, properties: Record<string, Json> = {}, over: Partial<EventRecord> = {}): EventRecord {
  return {
    id: `ev-${name}`,
    user_id: 'u1',
    name,
    time: NOW,
    properties,
    purchase: null,
    source: 'api',
    received_at: NOW,
    ...over,
  };
}

const system = (name: string, properties: Record<string, Json>): EventRecord =>
  event(name, properties, { source: 'system' });

function purchase(productId: string, properties: Record<string, Json> = {}): EventRecord {
  return event('purchase', properties, {
    purchase: { product_id: productId, currency: 'JPY', price: 1200, quantity: 1 },
  });
}

interface InboundFields {
  channel?: string;
  channel_type?: 'line' | 'sms';
  subscription_group?: string;
}

function inboundEvent(text: string | null, fields: InboundFields = {}): EventRecord {
  const { channel = 'line-main', channel_type = 'line', subscription_group } = fields;
  const properties: Record<string, Json> = {
    channel,
    channel_type,
    message_type: text === null ? 'sticker' : 'text',
    message_id: 'm1',
  };
  if (text !== null) properties.text = text;
  if (subscription_group) properties.subscription_group = subscription_group;
  return system('inbound_message', properties);
}

const on = (e: EventRecord): Occurrence => ({ kind: 'event', event: e });

/** A stand-in for campaigns/filters.ts (eq and gte only) that counts its calls. */
function filterSpy() {
  const spy = {
    calls: 0,
    match: ((filters: PropertyFilter[] | undefined, properties: Record<string, Json>) => {
      spy.calls++;
      return (filters ?? []).every((f) => {
        const actual = properties[f.property];
        if (f.op === 'eq') return actual === f.value;
        if (f.op === 'gte') return typeof actual === 'number' && actual >= (f.value as number);
        throw new Error(`unsupported op ${f.op}`);
      });
    }) satisfies PropertyFiltersMatch,
  };
  return spy;
}

const ids = (campaigns: Campaign[]) => campaigns.map((c) => c.id).sort();

function index(campaigns: Campaign[]) {
  return buildTriggerIndex(campaigns, filterSpy().match);
}

describe('triggerKey', () => {
  test.each<[Trigger, string]>([
    [{ type: 'custom_event', event: 'added_to_cart' }, 'event:added_to_cart'],
    [{ type: 'purchase', product_id: 'shoe' }, 'purchase'],
    [{ type: 'session_start' }, 'session_start'],
    [{ type: 'inbound_message', channel_type: 'line', channel: 'line-main' }, 'inbound:line'],
    [{ type: 'inbound_message', channel_type: 'sms' }, 'inbound:sms'],
    [{ type: 'email_added' }, 'email_added'],
    [{ type: 'subscription_changed', subscription_group: 'news', state: 'subscribed' }, 'subscription_changed:news'],
    [{ type: 'campaign_interaction', campaign: 'welcome', interaction: 'delivered' }, 'interaction:welcome:delivered'],
    [{ type: 'conversion', campaign: 'welcome' }, 'conversion:welcome'],
    [{ type: 'exception', campaign: 'welcome' }, 'exception:welcome'],
    [{ type: 'api' }, 'api:self'],
  ])('%j → %s', (trigger, key) => {
    expect(triggerKey(trigger, 'self')).toBe(key);
  });
});

describe('occurrenceKeys', () => {
  test.each<[string, Occurrence, string[]]>([
    ['custom event', on(event('added_to_cart')), ['event:added_to_cart']],
    ['purchase', on(purchase('shoe')), ['purchase']],
    ['a custom event named purchase is not a purchase', on(event('purchase')), ['event:purchase']],
    ['session_start', on(event('session_start')), ['event:session_start', 'session_start']],
    ['email_added (system)', on(system('email_added', { email: 'a@b.c' })), ['event:email_added', 'email_added']],
    ['email_added sent through the API', on(event('email_added')), ['event:email_added']],
    [
      'subscription_changed',
      on(system('subscription_changed', { subscription_group_id: 'news', state: 'subscribed', previous_state: null })),
      ['event:subscription_changed', 'subscription_changed:news'],
    ],
    ['inbound LINE', on(inboundEvent('hi')), ['event:inbound_message', 'inbound:line']],
    [
      'inbound SMS',
      on(inboundEvent('hi', { channel: 'sms-main', channel_type: 'sms' })),
      ['event:inbound_message', 'inbound:sms'],
    ],
    [
      'inbound_message sent through the API',
      on(event('inbound_message', { channel_type: 'line' })),
      ['event:inbound_message'],
    ],
    ['other system event', on(system('line_follow', {})), ['event:line_follow']],
    [
      'campaign interaction',
      { kind: 'campaign_interaction', campaign: 'welcome', interaction: 'sent', user_id: 'u1' },
      ['interaction:welcome:sent'],
    ],
    ['conversion', { kind: 'conversion', campaign: 'welcome', user_id: 'u1' }, ['conversion:welcome']],
    ['exception', { kind: 'exception', campaign: 'welcome', user_id: 'u1' }, ['exception:welcome']],
    ['api', { kind: 'api', campaign: 'welcome' }, ['api:welcome']],
  ])('%s', (_name, occurrence, keys) => {
    expect(occurrenceKeys(occurrence)).toEqual(keys);
  });
});

describe('match: event triggers', () => {
  const campaigns = [
    campaign('cart', { type: 'custom_event', event: 'added_to_cart' }),
    campaign('big-cart', {
      type: 'custom_event',
      event: 'added_to_cart',
      filters: [{ property: 'cart_value', op: 'gte', value: 100 }],
    }),
    campaign('any-purchase', { type: 'purchase' }),
    campaign('shoe-purchase', { type: 'purchase', product_id: 'shoe' }),
    campaign('jp-shoe-purchase', {
      type: 'purchase',
      product_id: 'shoe',
      filters: [{ property: 'store', op: 'eq', value: 'jp' }],
    }),
    campaign('custom-named-purchase', { type: 'custom_event', event: 'purchase' }),
    campaign('session', { type: 'session_start' }),
    campaign('custom-session', { type: 'custom_event', event: 'session_start' }),
    campaign('email', { type: 'email_added' }),
    campaign('follow', { type: 'custom_event', event: 'line_follow' }),
    campaign('news-any', { type: 'subscription_changed', subscription_group: 'news' }),
    campaign('news-in', { type: 'subscription_changed', subscription_group: 'news', state: 'subscribed' }),
    campaign('news-out', { type: 'subscription_changed', subscription_group: 'news', state: 'unsubscribed' }),
    campaign('promo-in', { type: 'subscription_changed', subscription_group: 'promo', state: 'subscribed' }),
    campaign('paused-cart', { type: 'custom_event', event: 'added_to_cart' }, { status: 'paused' }),
    campaign('draft-cart', { type: 'custom_event', event: 'added_to_cart' }, { status: 'draft' }),
    campaign('archived-cart', { type: 'custom_event', event: 'added_to_cart' }, { status: 'archived' }),
  ];
  const subChange = (group: string, state: string) =>
    system('subscription_changed', { subscription_group_id: group, state, previous_state: null });

  test.each<[string, EventRecord, string[]]>([
    ['event name, no filter match', event('added_to_cart', { cart_value: 50 }), ['cart']],
    ['event name and filter', event('added_to_cart', { cart_value: 150 }), ['big-cart', 'cart']],
    ['filter on a missing property', event('added_to_cart'), ['cart']],
    ['another event name', event('viewed_item', { cart_value: 150 }), []],
    ['purchase of another product', purchase('hat'), ['any-purchase']],
    ['purchase of the product', purchase('shoe'), ['any-purchase', 'shoe-purchase']],
    [
      'purchase of the product with filters',
      purchase('shoe', { store: 'jp' }),
      ['any-purchase', 'jp-shoe-purchase', 'shoe-purchase'],
    ],
    ['purchase filters on another product', purchase('hat', { store: 'jp' }), ['any-purchase']],
    ['a custom event named purchase', event('purchase'), ['custom-named-purchase']],
    ['session_start', event('session_start'), ['custom-session', 'session']],
    ['email_added (system)', system('email_added', { email: 'a@b.c' }), ['email']],
    ['email_added sent through the API', event('email_added'), []],
    ['a system event by name', system('line_follow', {}), ['follow']],
    ['subscribed to news', subChange('news', 'subscribed'), ['news-any', 'news-in']],
    ['unsubscribed from news', subChange('news', 'unsubscribed'), ['news-any', 'news-out']],
    ['subscribed to promo', subChange('promo', 'subscribed'), ['promo-in']],
    ['another group', subChange('other', 'subscribed'), []],
    [
      'subscription_changed sent through the API',
      event('subscription_changed', { subscription_group_id: 'news', state: 'subscribed' }),
      [],
    ],
  ])('%s', (_name, e, expected) => {
    expect(ids(index(campaigns).match(on(e)))).toEqual(expected);
  });
});

describe('match: campaign triggers', () => {
  const campaigns = [
    campaign('after-sent', { type: 'campaign_interaction', campaign: 'welcome', interaction: 'sent' }),
    campaign('after-delivered', { type: 'campaign_interaction', campaign: 'welcome', interaction: 'delivered' }),
    campaign('after-failed', { type: 'campaign_interaction', campaign: 'welcome', interaction: 'failed' }),
    campaign('after-conversion', { type: 'conversion', campaign: 'welcome' }),
    campaign('after-exception', { type: 'exception', campaign: 'welcome' }),
    campaign('api-one', { type: 'api' }),
    campaign('api-two', { type: 'api' }),
    campaign('api-paused', { type: 'api' }, { status: 'paused' }),
  ];

  test.each<[string, Occurrence, string[]]>([
    ['sent', { kind: 'campaign_interaction', campaign: 'welcome', interaction: 'sent', user_id: 'u1' }, ['after-sent']],
    [
      'delivered',
      { kind: 'campaign_interaction', campaign: 'welcome', interaction: 'delivered', user_id: 'u1' },
      ['after-delivered'],
    ],
    [
      'failed',
      { kind: 'campaign_interaction', campaign: 'welcome', interaction: 'failed', user_id: 'u1' },
      ['after-failed'],
    ],
    [
      'another campaign sent',
      { kind: 'campaign_interaction', campaign: 'other', interaction: 'sent', user_id: 'u1' },
      [],
    ],
    ['conversion', { kind: 'conversion', campaign: 'welcome', user_id: 'u1' }, ['after-conversion']],
    ['conversion on another campaign', { kind: 'conversion', campaign: 'other', user_id: 'u1' }, []],
    ['exception', { kind: 'exception', campaign: 'welcome', user_id: 'u1' }, ['after-exception']],
    ['api names its campaign', { kind: 'api', campaign: 'api-two' }, ['api-two']],
    ['api for a paused campaign', { kind: 'api', campaign: 'api-paused' }, []],
    ['api for a campaign with another trigger', { kind: 'api', campaign: 'after-sent' }, []],
  ])('%s', (_name, occurrence, expected) => {
    expect(ids(index(campaigns).match(occurrence))).toEqual(expected);
  });
});

describe('match: inbound messages', () => {
  const line = (
    id: string,
    fields: Omit<Extract<Trigger, { type: 'inbound_message' }>, 'type' | 'channel_type'>,
    over: Partial<Campaign> = {},
  ) => campaign(id, { type: 'inbound_message', channel_type: 'line', ...fields }, over);
  const campaigns = [
    line('join', { channel: 'line-main', trigger_words: ['JOIN2023'] }),
    line('sale', { channel: 'line-main', trigger_words: ['SALE'], match: 'contains' }),
    line('order', { channel: 'line-main', trigger_words: ['^order-\\d+$'], match: 'regex' }),
    line('every-main', { channel: 'line-main' }),
    line('else-main', { channel: 'line-main', unrecognized: true }),
    line('hello-other', { channel: 'line-other', trigger_words: ['HELLO'] }),
    line('every-line', {}),
    line('vip', { channel: 'line-main', subscription_group: 'vip', trigger_words: ['VIP'] }),
    line('paused-word', { channel: 'line-main', trigger_words: ['PAUSED'] }, { status: 'paused' }),
    campaign('every-sms', { type: 'inbound_message', channel_type: 'sms' }),
    campaign('else-sms', { type: 'inbound_message', channel_type: 'sms', unrecognized: true }),
    campaign('join-sms', { type: 'inbound_message', channel_type: 'sms', trigger_words: ['JOIN2023'] }),
  ];
  const idx = index(campaigns);

  test.each<[string, string | null, InboundFields, InboundContext | undefined, string[]]>([
    ['full-width word', 'ＪＯＩＮ２０２３', {}, undefined, ['every-line', 'every-main', 'join']],
    ['lower-case word', 'join2023', {}, undefined, ['every-line', 'every-main', 'join']],
    ['contains', 'big SALE today', {}, undefined, ['every-line', 'every-main', 'sale']],
    ['exact misses, contains hits', 'join2023 sale', {}, undefined, ['every-line', 'every-main', 'sale']],
    ['regex', 'Order-77', {}, undefined, ['every-line', 'every-main', 'order']],
    ['nothing matched: the else fires', 'what is this?', {}, undefined, ['else-main', 'every-line', 'every-main']],
    [
      'a word of another channel does not count as recognized',
      'hello',
      {},
      undefined,
      ['else-main', 'every-line', 'every-main'],
    ],
    ['the word on its own channel', 'hello', { channel: 'line-other' }, undefined, ['every-line', 'hello-other']],
    ['a main-channel word on the other channel', 'join2023', { channel: 'line-other' }, undefined, ['every-line']],
    ['a group keyword matched: no else', 'what is this?', {}, { keywordMatched: true }, ['every-line', 'every-main']],
    ['keywordMatched false', 'what is this?', {}, { keywordMatched: false }, ['else-main', 'every-line', 'every-main']],
    [
      'subscription group in scope',
      'vip',
      { subscription_group: 'vip' },
      undefined,
      ['every-line', 'every-main', 'vip'],
    ],
    [
      'subscription group out of scope',
      'vip',
      { subscription_group: 'regular' },
      undefined,
      ['else-main', 'every-line', 'every-main'],
    ],
    ['no subscription group on the message', 'vip', {}, undefined, ['else-main', 'every-line', 'every-main']],
    ['a paused campaign word is not recognized', 'paused', {}, undefined, ['else-main', 'every-line', 'every-main']],
    ['a sticker (no text)', null, {}, undefined, ['else-main', 'every-line', 'every-main']],
    ['SMS word', 'join2023', { channel: 'sms-main', channel_type: 'sms' }, undefined, ['every-sms', 'join-sms']],
    [
      'SMS nothing matched',
      'pizza',
      { channel: 'sms-main', channel_type: 'sms' },
      undefined,
      ['else-sms', 'every-sms'],
    ],
    [
      'SMS keyword (STOP)',
      'stop',
      { channel: 'sms-main', channel_type: 'sms' },
      { keywordMatched: true },
      ['every-sms'],
    ],
  ])('%s', (_name, text, fields, context, expected) => {
    expect(ids(idx.match(on(inboundEvent(text, fields)), context))).toEqual(expected);
  });

  test('an inbound_message event sent through the API fires no inbound trigger', () => {
    const spoofed = event('inbound_message', { channel: 'line-main', channel_type: 'line', text: 'join2023' });
    expect(idx.match(on(spoofed))).toEqual([]);
  });
});

describe('the index only looks at listening campaigns', () => {
  /** Wraps a campaign so that any property read, once armed, is counted against its id. */
  function watched(c: Campaign, reads: Map<string, number>, armed: { on: boolean }): Campaign {
    return new Proxy(c, {
      get(target, property, receiver) {
        if (armed.on) reads.set(target.id, (reads.get(target.id) ?? 0) + 1);
        return Reflect.get(target, property, receiver);
      },
    });
  }

  const filters: PropertyFilter[] = [{ property: 'cart_value', op: 'gte', value: 100 }];
  const others = Array.from({ length: 1000 }, (_, i) =>
    campaign(`other-${i}`, { type: 'custom_event', event: `event_${i % 50}`, filters }),
  );
  const listening = [
    campaign('cart-a', { type: 'custom_event', event: 'added_to_cart', filters }),
    campaign('cart-b', {
      type: 'custom_event',
      event: 'added_to_cart',
      filters: [{ property: 'cart_value', op: 'gte', value: 1000 }],
    }),
    campaign('cart-c', { type: 'custom_event', event: 'added_to_cart', filters }),
  ];

  test('the filter predicate runs once per listening campaign', () => {
    const spy = filterSpy();
    const idx = buildTriggerIndex([...others, ...listening], spy.match);
    expect(ids(idx.match(on(event('added_to_cart', { cart_value: 150 }))))).toEqual(['cart-a', 'cart-c']);
    expect(spy.calls).toBe(3);
  });

  test('an event nobody listens to costs no predicate call', () => {
    const spy = filterSpy();
    const idx = buildTriggerIndex([...others, ...listening], spy.match);
    expect(idx.match(on(event('nobody_listens', { cart_value: 150 })))).toEqual([]);
    expect(idx.exceptionsFor(on(event('nobody_listens')))).toEqual([]);
    expect(idx.conversionsFor(on(event('nobody_listens')))).toEqual([]);
    expect(spy.calls).toBe(0);
  });

  test('no other campaign is even read', () => {
    const reads = new Map<string, number>();
    const armed = { on: false };
    const all = [...others, ...listening].map((c) => watched(c, reads, armed));
    const idx = buildTriggerIndex(all, filterSpy().match);
    armed.on = true;
    idx.match(on(event('added_to_cart', { cart_value: 150 })));
    idx.exceptionsFor(on(event('added_to_cart')));
    idx.conversionsFor(on(event('added_to_cart')));
    expect([...reads.keys()].filter((id) => id.startsWith('other-'))).toEqual([]);
  });

  test('an inbound message looks only at campaigns of its channel type', () => {
    const reads = new Map<string, number>();
    const armed = { on: false };
    const lineCampaigns = Array.from({ length: 200 }, (_, i) =>
      campaign(`other-line-${i}`, { type: 'inbound_message', channel_type: 'line', trigger_words: [`WORD${i}`] }),
    );
    const sms = [
      campaign('sms-join', { type: 'inbound_message', channel_type: 'sms', trigger_words: ['JOIN'] }),
      campaign('sms-else', { type: 'inbound_message', channel_type: 'sms', unrecognized: true }),
    ];
    const idx = buildTriggerIndex(
      [...lineCampaigns, ...sms].map((c) => watched(c, reads, armed)),
      filterSpy().match,
    );
    armed.on = true;
    expect(ids(idx.match(on(inboundEvent('pizza', { channel: 'sms-main', channel_type: 'sms' }))))).toEqual([
      'sms-else',
    ]);
    expect([...reads.keys()].filter((id) => id.startsWith('other-'))).toEqual([]);
  });
});

describe('exceptionsFor', () => {
  const delay = { type: 'duration' as const, seconds: 3600 };
  const base = (id: string, over: Partial<Campaign>) =>
    campaign(id, { type: 'custom_event', event: 'added_to_cart' }, { delay, ...over });
  const campaigns = [
    base('on-purchase', { exceptions: [{ type: 'purchase' }] }),
    base('on-pro-purchase', { exceptions: [{ type: 'purchase', product_id: 'pro' }] }),
    base('twice', { exceptions: [{ type: 'purchase' }, { type: 'purchase', product_id: 'pro' }] }),
    base('own-conversion', {
      exceptions: [{ type: 'conversion' }],
      conversion_events: [
        { type: 'custom_event', event: 'signed_up' },
        { type: 'purchase', product_id: 'pro', within_seconds: 3600 },
      ],
    }),
    base('own-conversion-none', { exceptions: [{ type: 'conversion' }] }),
    base('other-conversion', { exceptions: [{ type: 'conversion', campaign: 'welcome' }] }),
    base('other-exception', { exceptions: [{ type: 'exception', campaign: 'welcome' }] }),
    base('after-delivered', {
      exceptions: [{ type: 'campaign_interaction', campaign: 'welcome', interaction: 'delivered' }],
    }),
    base('cancelled-pro', {
      exceptions: [
        { type: 'custom_event', event: 'cancelled', filters: [{ property: 'plan', op: 'eq', value: 'pro' }] },
      ],
    }),
    base('paused-on-purchase', { status: 'paused', exceptions: [{ type: 'purchase' }] }),
    base('on-unsubscribe', {
      exceptions: [{ type: 'subscription_changed', subscription_group: 'news', state: 'unsubscribed' }],
    }),
    base('on-stop-reply', {
      exceptions: [{ type: 'inbound_message', channel_type: 'line', trigger_words: ['STOP', 'NO'] }],
    }),
    base('on-any-reply', { exceptions: [{ type: 'inbound_message', channel_type: 'line' }] }),
    base('on-unknown-reply', { exceptions: [{ type: 'inbound_message', channel_type: 'line', unrecognized: true }] }),
    campaign('join', { type: 'inbound_message', channel_type: 'line', trigger_words: ['JOIN'] }),
  ];
  const idx = index(campaigns);

  test.each<[string, Occurrence, InboundContext | undefined, string[]]>([
    ['a purchase', on(purchase('hat')), undefined, ['on-purchase', 'paused-on-purchase', 'twice']],
    [
      'a pro purchase: each campaign once, own conversion included',
      on(purchase('pro')),
      undefined,
      ['on-pro-purchase', 'on-purchase', 'own-conversion', 'paused-on-purchase', 'twice'],
    ],
    ['own conversion event', on(event('signed_up')), undefined, ['own-conversion']],
    [
      'conversion on the named campaign',
      { kind: 'conversion', campaign: 'welcome', user_id: 'u1' },
      undefined,
      ['other-conversion'],
    ],
    ['conversion on another campaign', { kind: 'conversion', campaign: 'other', user_id: 'u1' }, undefined, []],
    [
      'exception of the named campaign',
      { kind: 'exception', campaign: 'welcome', user_id: 'u1' },
      undefined,
      ['other-exception'],
    ],
    [
      'delivered',
      { kind: 'campaign_interaction', campaign: 'welcome', interaction: 'delivered', user_id: 'u1' },
      undefined,
      ['after-delivered'],
    ],
    [
      'sent is not delivered',
      { kind: 'campaign_interaction', campaign: 'welcome', interaction: 'sent', user_id: 'u1' },
      undefined,
      [],
    ],
    ['filtered exception holds', on(event('cancelled', { plan: 'pro' })), undefined, ['cancelled-pro']],
    ['filtered exception does not hold', on(event('cancelled', { plan: 'free' })), undefined, []],
    [
      'unsubscribed',
      on(
        system('subscription_changed', {
          subscription_group_id: 'news',
          state: 'unsubscribed',
          previous_state: 'subscribed',
        }),
      ),
      undefined,
      ['on-unsubscribe'],
    ],
    [
      'subscribed',
      on(system('subscription_changed', { subscription_group_id: 'news', state: 'subscribed', previous_state: null })),
      undefined,
      [],
    ],
    // Only campaign trigger words make a message recognized; an exception's own words do not.
    [
      'a reply with an exception word',
      on(inboundEvent('ｎｏ')),
      undefined,
      ['on-any-reply', 'on-stop-reply', 'on-unknown-reply'],
    ],
    ['a reply matching a campaign trigger word', on(inboundEvent('join')), undefined, ['on-any-reply']],
    ['an unrecognized reply', on(inboundEvent('pizza')), undefined, ['on-any-reply', 'on-unknown-reply']],
    ['a group keyword', on(inboundEvent('pizza')), { keywordMatched: true }, ['on-any-reply']],
    ['the trigger event itself is no exception here', on(event('added_to_cart')), undefined, []],
  ])('%s', (_name, occurrence, context, expected) => {
    expect(ids(idx.exceptionsFor(occurrence, context))).toEqual(expected);
  });

  test('exceptions do not make a campaign match', () => {
    expect(idx.match(on(purchase('pro')))).toEqual([]);
  });
});

describe('conversionsFor', () => {
  const base = (id: string, over: Partial<Campaign>) => campaign(id, { type: 'api' }, over);
  const campaigns = [
    base('default-window', { conversion_events: [{ type: 'purchase' }] }),
    base('hour-window', { conversion_events: [{ type: 'purchase', product_id: 'pro', within_seconds: 3600 }] }),
    base('widest', {
      conversion_events: [
        { type: 'purchase', within_seconds: 60 },
        { type: 'purchase', product_id: 'pro', within_seconds: 7200 },
      ],
    }),
    base('archived', {
      status: 'archived',
      conversion_events: [{ type: 'custom_event', event: 'signed_up', within_seconds: 600 }],
    }),
    base('filtered', {
      conversion_events: [
        { type: 'custom_event', event: 'signed_up', filters: [{ property: 'plan', op: 'eq', value: 'pro' }] },
      ],
    }),
    base('after-delivery', {
      conversion_events: [
        { type: 'campaign_interaction', campaign: 'welcome', interaction: 'delivered', within_seconds: 30 },
      ],
    }),
    base('none', {}),
  ];
  const idx = index(campaigns);
  const windows = (occurrence: Occurrence) =>
    Object.fromEntries(idx.conversionsFor(occurrence).map(({ campaign: c, within_seconds }) => [c.id, within_seconds]));

  test.each<[string, Occurrence, Record<string, number>]>([
    ['a purchase', on(purchase('hat')), { 'default-window': DEFAULT_CONVERSION_WINDOW_SECONDS, widest: 60 }],
    [
      'a pro purchase: the widest window per campaign',
      on(purchase('pro')),
      { 'default-window': DEFAULT_CONVERSION_WINDOW_SECONDS, 'hour-window': 3600, widest: 7200 },
    ],
    ['an archived campaign still converts', on(event('signed_up')), { archived: 600 }],
    [
      'filters hold',
      on(event('signed_up', { plan: 'pro' })),
      { archived: 600, filtered: DEFAULT_CONVERSION_WINDOW_SECONDS },
    ],
    [
      'an interaction',
      { kind: 'campaign_interaction', campaign: 'welcome', interaction: 'delivered', user_id: 'u1' },
      { 'after-delivery': 30 },
    ],
    ['nothing', on(event('viewed')), {}],
  ])('%s', (_name, occurrence, expected) => {
    expect(windows(occurrence)).toEqual(expected);
  });

  test('the default window is three days', () => {
    expect(DEFAULT_CONVERSION_WINDOW_SECONDS).toBe(259_200);
  });
});
