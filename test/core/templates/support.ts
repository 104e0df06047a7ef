/** The user, objects and blocks the template tests render against. */
import { buildTemplateContext, type TemplateContext } from '../../../src/core/templates/index.ts';
import { user } from '../fixtures.ts';

/** The instant `'now'` means in the renders of these tests. */
export const NOW = Date.UTC(2026, 2, 6, 8, 0, 0);

export const aiko = user('u-1', {
  external_id: 'ext-1',
  email: 'aiko@example.com',
  phone: '+819012345678',
  line_id: 'U1234',
  standard: {
    first_name: 'Aiko',
    last_name: 'Sato',
    dob: '1990-04-01',
    gender: 'F',
    country: 'JP',
    language: 'ja',
    home_city: 'Osaka',
    time_zone: 'Asia/Tokyo',
    email_subscribe: 'opted_in',
  },
  custom: {
    plan: 'gold',
    points: 1200,
    ratio: 1.5,
    vip: true,
    churned: false,
    tags: ['a', 'b'],
    address: { city: 'Kobe' },
    'favorite color': 'red',
    nothing: null,
  },
});

export function context(overrides: Partial<Parameters<typeof buildTemplateContext>[0]> = {}): TemplateContext {
  return buildTemplateContext({
    user: aiko,
    event: { name: 'purchase', properties: { sku: 'A-1', price: 9.5, gift: false } },
    api: { coupon: 'SAVE10', order: { id: 77 } },
    inbound: { text: 'STOP', channel: 'sms-main' },
    campaign: { id: 'cart-reminder', name: 'Cart reminder' },
    ...overrides,
  });
}

export const noBlocks: ReadonlyMap<string, string> = new Map();
