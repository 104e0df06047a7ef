// Raw SQLite insert baseline for B1: one process, one connection, the store's PRAGMAs (passed with
// --pragma by bench/lib/baselines.ts), the same event rows Tidings writes, in transactions of
// `--batch` rows, for `--seconds`.
//
//   /usr/bin/node bench/baseline-sqlite.mjs --driver better-sqlite3 --db /tmp/x.db --seconds 30
//   node          bench/baseline-sqlite.mjs --driver node:sqlite    --db /tmp/y.db --seconds 30
//
// better-sqlite3 is loaded from bench/.baseline/node_modules (built for the system Node 20, see
// bench/lib/baselines.ts); node:sqlite needs Node >= 22.5. Prints one JSON line:
// { driver, node, rows, seconds, rows_per_s, batch, batch_ms_p50, batch_ms_p99 }.
//
// For experiments (not used by `npm run bench`): `--pragma a=1,b=2` runs extra PRAGMAs after the
// WAL/synchronous ones, `--no-index` leaves out the events_user_key_time index.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs, percentile, rowTemplates, SQLITE_EVENTS_DDL, ulidFactory } from './baseline-rows.mjs';

const args = parseArgs(process.argv.slice(2));
const driver = String(args.driver ?? 'better-sqlite3');
const dbPath = String(args.db ?? '');
const seconds = Number(args.seconds ?? 10);
const batch = Number(args.batch ?? 75);
const users = Number(args.users ?? 100_000);
if (!dbPath) {
  console.error('--db PATH is required');
  process.exit(2);
}

/** Opens the database through the chosen driver, as { exec(sql), prepare(sql) -> { run(...values) }, close() }. */
async function open() {
  if (driver === 'better-sqlite3') {
    const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '.baseline', 'package.json'));
    const Database = require('better-sqlite3');
    const db = new Database(dbPath);
    return { exec: (sql) => db.exec(sql), prepare: (sql) => db.prepare(sql), close: () => db.close() };
  }
  if (driver === 'node:sqlite') {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(dbPath);
    return { exec: (sql) => db.exec(sql), prepare: (sql) => db.prepare(sql), close: () => db.close() };
  }
  throw new Error(`unknown --driver ${driver} (better-sqlite3 or node:sqlite)`);
}

const db = await open();
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA synchronous = NORMAL');
const pragmas = typeof args.pragma === 'string' ? args.pragma.split(',').filter(Boolean) : [];
for (const pragma of pragmas) db.exec(`PRAGMA ${pragma}`);
db.exec(args['no-index'] ? SQLITE_EVENTS_DDL.replace(/CREATE INDEX[^;]*;/, '') : SQLITE_EVENTS_DDL);
const insert = db.prepare(
  'INSERT INTO events (id, user_id, user_key, name, time, properties, purchase, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
const templates = rowTemplates(65_536, users);
const newId = ulidFactory();

const batchMs = [];
let rows = 0;
let t = 0;
const start = performance.now();
const end = start + seconds * 1000;
let now = start;
while (now < end) {
  const receivedAt = Date.now();
  db.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < batch; i++) {
    const r = templates[t++ & 65_535];
    insert.run(newId(), r.user_id, r.user_key, r.name, r.time, r.properties, null, 'api', receivedAt);
  }
  db.exec('COMMIT');
  rows += batch;
  const after = performance.now();
  batchMs.push(after - now);
  now = after;
}
const elapsed = (now - start) / 1000;
db.close();
batchMs.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    driver,
    node: process.version,
    rows,
    seconds: Number(elapsed.toFixed(3)),
    rows_per_s: Math.round(rows / elapsed),
    batch,
    ...(pragmas.length ? { pragmas } : {}),
    ...(args['no-index'] ? { index: false } : {}),
    batch_ms_p50: Number(percentile(batchMs, 50).toFixed(3)),
    batch_ms_p99: Number(percentile(batchMs, 99).toFixed(3)),
  }),
);
