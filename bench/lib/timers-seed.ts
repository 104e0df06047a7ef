import { monotonicFactory } from 'ulid';
import { applyDefinitions, type DefinitionBundle } from '../../src/engine/campaigns/definitions.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { newUserRecord, type UserRecord } from '../../src/core/user.ts';
import type { JourneyEntry } from '../../src/core/campaigns/journey-entry.ts';
import { openStore } from '../../src/store/open-store.ts';

/**
 * B3's data: one active campaign with a delay on a LINE channel, `users` profiles with a line_id,
 * and `timers` pending journey entries of that campaign whose due times are spread evenly over
 * `windowMs` from `anchor`. Everything goes in through the store (the ingestion path is B1's
 * business): `applyDefinitions`, `tx.insertUsers` and `tx.campaigns.insertEntries`, in large
 * transactions.
 */

export const TIMERS_CAMPAIGN = 'bench-timer';
export const TIMERS_CHANNEL = 'line-bench';

/**
 * The channel is a LINE channel with an access token and the base URL of the fake LINE server the
 * harness runs (`lineUrl`): every send takes the outbox path and is a real HTTP push, as the spec
 * says. Without `lineUrl` it has no token, so the dispatcher delivers into the sandbox (no HTTP).
 * BENCH_TIMERS_SANDBOX=1 marks it `sandbox: true` instead: each send is then delivered in the
 * scheduler's transaction, with no outbox round.
 */
export const TIMERS_LINE_TOKEN = 'bench-line-token';
export const timersBundle = (lineUrl: string | null = null): DefinitionBundle => ({
  channels: [
    process.env.BENCH_TIMERS_SANDBOX === '1'
      ? { id: TIMERS_CHANNEL, type: 'line', sandbox: true }
      : lineUrl === null
        ? { id: TIMERS_CHANNEL, type: 'line', api_base_url: 'http://127.0.0.1:9' }
        : { id: TIMERS_CHANNEL, type: 'line', channel_access_token: TIMERS_LINE_TOKEN, api_base_url: lineUrl },
  ],
  campaigns: [
    {
      id: TIMERS_CAMPAIGN,
      name: 'Abandoned cart reminder (B3)',
      status: 'active',
      trigger: {
        type: 'custom_event',
        event: 'added_to_cart',
        filters: [{ property: 'cart_value', op: 'gte', value: 100 }],
      },
      audience: { filters: [{ attribute: 'line_id', op: 'exists' }] },
      delay: { type: 'duration', seconds: 3600 },
      exceptions: [{ type: 'purchase' }],
      reeligibility: { after_seconds: 0 },
      message: {
        channel: TIMERS_CHANNEL,
        default: {
          type: 'text',
          text: "Hi {{ user.first_name | default: 'there' }}, your {{ event.properties.sku }} is still in your cart",
        },
      },
    },
  ],
});

export interface TimersSeed {
  /** Where B3's database is: a SQLite file or a postgres:// URL. */
  db: string;
  /** The fake LINE server the sends go to (null: no HTTP, the sandbox). */
  lineUrl?: string | null;
  timers: number;
  users: number;
  /** First due instant (epoch ms, in the clock the worker will run on). */
  anchor: number;
  windowMs: number;
  /** Rows per transaction. */
  batch?: number;
  log?: (line: string) => void;
}

export interface SeedReport {
  users_s: number;
  entries_s: number;
}

const FIRST_NAMES = ['Aiko', 'Ben', 'Chloé', 'Daichi', 'Emma', 'Felix', 'Hana', 'Jun', 'Léa', 'Mei'];
const SKUS = ['sku-1001', 'sku-2040', 'sku-3310', 'sku-4702', 'sku-5555'];

/** Deterministic line_id for user n: `U` + 32 hex digits. */
const lineId = (n: number): string => `U${n.toString(16).padStart(32, '0')}`;

/** A stride coprime with `n`, so that `(i * stride) % n` visits every user once per n timers. */
function coprimeStride(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = Math.max(1, Math.floor(n * 0.618_033_988_7));
  while (gcd(stride, n) !== 1) stride++;
  return stride;
}

export async function seedTimers(options: TimersSeed): Promise<SeedReport> {
  const batch = options.batch ?? 20_000;
  const log = options.log ?? (() => {});
  const store = await openStore(options.db);
  try {
    await store.migrate();
    const engine = createEngine(store);
    await applyDefinitions(engine, timersBundle(options.lineUrl ?? null));
    const created = Date.now();
    const userId = monotonicFactory();
    const ids: string[] = new Array(options.users);

    let started = performance.now();
    for (let from = 0; from < options.users; from += batch) {
      const rows: UserRecord[] = [];
      for (let n = from; n < Math.min(options.users, from + batch); n++) {
        const user = newUserRecord(userId(created), created);
        user.external_id = `timer_u${String(n).padStart(7, '0')}`;
        user.line_id = lineId(n + 1);
        if (n % 3 !== 0) user.standard.first_name = FIRST_NAMES[n % FIRST_NAMES.length];
        user.standard.time_zone = 'Asia/Tokyo';
        ids[n] = user.id;
        rows.push(user);
      }
      await store.transaction((tx) => tx.insertUsers(rows));
    }
    const usersSeconds = (performance.now() - started) / 1000;
    log(`seeded ${options.users} users in ${usersSeconds.toFixed(1)} s`);

    started = performance.now();
    const entryId = monotonicFactory();
    const stride = coprimeStride(options.users);
    const step = options.windowMs / options.timers;
    for (let from = 0; from < options.timers; from += batch) {
      const rows: JourneyEntry[] = [];
      for (let i = from; i < Math.min(options.timers, from + batch); i++) {
        const due = options.anchor + Math.floor(i * step);
        rows.push({
          id: entryId(due - 3_600_000),
          campaign_id: TIMERS_CAMPAIGN,
          user_id: ids[(i * stride) % options.users]!,
          state: 'pending',
          triggered_at: due - 3_600_000,
          due_at: due,
          context: {
            event: { name: 'added_to_cart', properties: { cart_value: 100 + (i % 400), sku: SKUS[i % SKUS.length]! } },
          },
          updated_at: due - 3_600_000,
        });
      }
      await store.transaction((tx) => tx.campaigns.insertEntries(rows));
      if ((from / batch) % 10 === 9) log(`  ${from + rows.length} entries…`);
    }
    const entriesSeconds = (performance.now() - started) / 1000;
    log(`seeded ${options.timers} pending entries in ${entriesSeconds.toFixed(1)} s`);
    return { users_s: usersSeconds, entries_s: entriesSeconds };
  } finally {
    await store.close();
  }
}
