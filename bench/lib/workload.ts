/**
 * B1's request bodies. Users are `bench_u<n>` external ids; each has a profile seeded beforehand.
 * Events use ten names and properties that campaign property filters can test: a number
 * (`cart_value`, `quantity`), strings (`sku`, `category`) and a boolean (`in_stock`).
 */

export const EVENT_NAMES = [
  'product_viewed',
  'added_to_cart',
  'removed_from_cart',
  'checkout_started',
  'order_completed',
  'search_performed',
  'wishlist_added',
  'coupon_applied',
  'review_posted',
  'app_opened',
] as const;
export const CATEGORIES = ['shoes', 'apparel', 'electronics', 'home', 'beauty', 'toys', 'books', 'grocery'] as const;
const TIERS = ['bronze', 'silver', 'gold', 'platinum'] as const;
const COUNTRIES = ['US', 'JP', 'GB', 'DE', 'TH', 'BR'] as const;

export const EVENTS_PER_REQUEST = 75;
export const ATTRIBUTES_PER_REQUEST = 10;
export const SEED_BATCH = 75;

export const externalId = (n: number): string => `bench_u${String(n).padStart(6, '0')}`;
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const randomUser = (users: number) => externalId(Math.floor(Math.random() * users));

/** The seeding requests: `users` new profiles, 75 attribute objects per request. */
export function seedBodies(users: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let first = 0; first < users; first += SEED_BATCH) {
    const attributes = [];
    for (let n = first; n < Math.min(users, first + SEED_BATCH); n++) {
      attributes.push({
        external_id: externalId(n),
        first_name: 'Bench',
        last_name: `User ${n}`,
        email: `bench.user${n}@example.com`,
        country: COUNTRIES[n % COUNTRIES.length],
        tier: TIERS[n % TIERS.length],
        lifetime_value: (n % 997) * 1.5,
        signup_cohort: `2026-${String(1 + (n % 12)).padStart(2, '0')}`,
      });
    }
    bodies.push(Buffer.from(JSON.stringify({ attributes })));
  }
  return bodies;
}

/** One B1 request: 10 attribute updates and 75 events for random seeded users. */
export function loadBody(users: number, now: number): Buffer {
  const attributes = [];
  for (let i = 0; i < ATTRIBUTES_PER_REQUEST; i++) {
    attributes.push({
      external_id: randomUser(users),
      last_viewed_category: pick(CATEGORIES),
      visits: { inc: 1 },
      tier: pick(TIERS),
    });
  }
  const events = [];
  for (let i = 0; i < EVENTS_PER_REQUEST; i++) {
    events.push({
      external_id: randomUser(users),
      name: pick(EVENT_NAMES),
      time: new Date(now - Math.floor(Math.random() * 3_600_000)).toISOString(),
      properties: {
        cart_value: Math.round(Math.random() * 50_000) / 100,
        sku: `SKU-${String(Math.floor(Math.random() * 5000)).padStart(5, '0')}`,
        category: pick(CATEGORIES),
        quantity: 1 + Math.floor(Math.random() * 5),
        in_stock: Math.random() < 0.9,
      },
    });
  }
  return Buffer.from(JSON.stringify({ attributes, events }));
}

/** `count` distinct load bodies, cycled through by the load generator. */
export function loadBodies(count: number, users: number): Buffer[] {
  const now = Date.now();
  return Array.from({ length: count }, () => loadBody(users, now));
}

/** Whether a 201 reply from /users/track still reports per-object errors. */
export const hasItemErrors = (body: string): boolean => body.includes('"errors"');
