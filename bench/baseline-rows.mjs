// Event rows for the raw-insert baselines, shaped like the rows Tidings writes for B1: the columns
// of the `events` table (src/store/*/migrations.ts), a monotonic ULID id, a ULID user id among
// `users` users, one of the ten B1 event names and B1's properties. Plain JavaScript, no
// dependencies: the better-sqlite3 baseline runs on the system Node 20.

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

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
];
export const CATEGORIES = ['shoes', 'apparel', 'electronics', 'home', 'beauty', 'toys', 'books', 'grocery'];

/** The `events` table as SQLite migrations 1 and 2 leave it. */
export const SQLITE_EVENTS_DDL = `
  CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    time INTEGER NOT NULL,
    properties TEXT NOT NULL,
    purchase TEXT,
    source TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    user_key INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS events_user_key_time ON events (user_key, time);
`;

/**
 * The SQLite store's event index key (src/store/sqlite/user-key.ts), repeated here because this
 * file runs on the system Node 20, which cannot load TypeScript.
 */
export function userKey(userId) {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < userId.length; i++) {
    const c = userId.charCodeAt(i);
    low = Math.imul(low ^ c, 0x01000193);
    high = Math.imul(high ^ c, 0x01000193);
  }
  return (high & 0x1fffff) * 0x100000000 + (low >>> 0);
}

/** Same DDL as the `events` table of migration 1 (PostgreSQL flavour). */
export const POSTGRES_EVENTS_DDL = `
  CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    time BIGINT NOT NULL,
    properties JSONB NOT NULL,
    purchase JSONB,
    source TEXT NOT NULL,
    received_at BIGINT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_user_time ON events (user_id, time);
`;

function encodeTime(ms) {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function randomChars(n) {
  let out = '';
  for (let i = 0; i < n; i++) out += CROCKFORD[Math.floor(Math.random() * 32)];
  return out;
}

/** A monotonic ULID source: time part, then a random prefix and a counter (sorted like `ulid`'s monotonicFactory). */
export function ulidFactory() {
  let lastMs = -1;
  let timePart = '';
  let prefix = '';
  let counter = 0;
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      timePart = encodeTime(now);
      prefix = randomChars(8);
      counter = 0;
    }
    counter += 1;
    let tail = '';
    for (let c = counter, i = 0; i < 8; i++, c = Math.floor(c / 32)) tail = CROCKFORD[c % 32] + tail;
    return timePart + prefix + tail;
  };
}

/**
 * A pool of row templates (everything but the id and received_at, which each insert makes):
 * `{ user_id, user_key, name, time, properties }` with properties already JSON text.
 */
export function rowTemplates(count, users) {
  const now = Date.now();
  const userIds = [];
  for (let i = 0; i < users; i++) userIds.push(encodeTime(now - 86_400_000 + i) + randomChars(16));
  const templates = [];
  for (let i = 0; i < count; i++) {
    const category = CATEGORIES[i % CATEGORIES.length];
    const userId = userIds[Math.floor(Math.random() * users)];
    templates.push({
      user_id: userId,
      user_key: userKey(userId),
      name: EVENT_NAMES[Math.floor(Math.random() * EVENT_NAMES.length)],
      time: now - Math.floor(Math.random() * 3_600_000),
      properties: JSON.stringify({
        cart_value: Math.round(Math.random() * 50_000) / 100,
        sku: `SKU-${String(Math.floor(Math.random() * 5000)).padStart(5, '0')}`,
        category,
        quantity: 1 + Math.floor(Math.random() * 5),
        in_stock: Math.random() < 0.9,
      }),
    });
  }
  return templates;
}

/** `--key value` arguments into an object. */
export function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args[a.slice(2)] = true;
    else {
      args[a.slice(2)] = next;
      i++;
    }
  }
  return args;
}

/** Exact percentile (nearest rank) of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
