// Raw PostgreSQL insert baseline for B1-pg: `pg` multi-row INSERTs of the same event rows Tidings
// writes, `--batch` rows per statement (one implicit transaction each), `--connections` connections
// inserting at once, for `--seconds`, into an `events` table of the same shape in schema `--schema`.
//
//   node bench/baseline-pg.mjs --url postgres://postgres@127.0.0.1:5432/db --schema raw_baseline --seconds 30
//
// Prints one JSON line: { driver, node, rows, seconds, rows_per_s, batch, connections, batch_ms_p50, batch_ms_p99 }.
import pg from 'pg';
import { parseArgs, percentile, POSTGRES_EVENTS_DDL, rowTemplates, ulidFactory } from './baseline-rows.mjs';

const args = parseArgs(process.argv.slice(2));
const url = String(args.url ?? '');
const schema = String(args.schema ?? 'raw_baseline');
const seconds = Number(args.seconds ?? 10);
const batch = Number(args.batch ?? 75);
const connections = Number(args.connections ?? 16);
const users = Number(args.users ?? 100_000);
if (!url || !/^[a-z_][a-z0-9_]*$/.test(schema)) {
  console.error('--url postgres://… is required; --schema must be a plain lower-case name');
  process.exit(2);
}

const setup = new pg.Client({ connectionString: url });
await setup.connect();
await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
await setup.query(`SET search_path = ${schema}`);
await setup.query(POSTGRES_EVENTS_DDL);
await setup.end();

const pool = new pg.Pool({ connectionString: url, max: connections, options: `-c search_path=${schema}` });
pool.on('error', () => {});
const placeholders = [];
for (let r = 0; r < batch; r++) {
  const p = [];
  for (let c = 1; c <= 8; c++) p.push(`$${r * 8 + c}`);
  placeholders.push(`(${p.join(', ')})`);
}
const text = `INSERT INTO events (id, user_id, name, time, properties, purchase, source, received_at) VALUES ${placeholders.join(', ')}`;
const templates = rowTemplates(65_536, users);
const newId = ulidFactory();

let t = 0;
let rows = 0;
const batchMs = [];
const start = performance.now();
const end = start + seconds * 1000;
let last = start;

async function worker() {
  const client = await pool.connect();
  try {
    while (performance.now() < end) {
      const receivedAt = Date.now();
      const values = new Array(batch * 8);
      for (let r = 0; r < batch; r++) {
        const row = templates[t++ & 65_535];
        const o = r * 8;
        values[o] = newId();
        values[o + 1] = row.user_id;
        values[o + 2] = row.name;
        values[o + 3] = row.time;
        values[o + 4] = row.properties;
        values[o + 5] = null;
        values[o + 6] = 'api';
        values[o + 7] = receivedAt;
      }
      const began = performance.now();
      await client.query({ name: `raw_insert_${batch}`, text, values });
      const done = performance.now();
      batchMs.push(done - began);
      rows += batch;
      last = done;
    }
  } finally {
    client.release();
  }
}

await Promise.all(Array.from({ length: connections }, () => worker()));
const elapsed = (last - start) / 1000;
await pool.end();
batchMs.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    driver: 'pg',
    node: process.version,
    rows,
    seconds: Number(elapsed.toFixed(3)),
    rows_per_s: Math.round(rows / elapsed),
    batch,
    connections,
    batch_ms_p50: Number(percentile(batchMs, 50).toFixed(3)),
    batch_ms_p99: Number(percentile(batchMs, 99).toFixed(3)),
  }),
);
