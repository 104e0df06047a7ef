import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the benchmarks use: BENCH_DATABASE_URL, else the local test server. Only its host and credentials matter: each run makes its own database. */
export function benchPostgresUrl(): string {
  return (
    process.env.BENCH_DATABASE_URL || process.env.TIDINGS_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
  );
}

export const maskUrl = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why PostgreSQL cannot be used, or null when it answers. */
export async function postgresUnavailable(url = benchPostgresUrl()): Promise<string | null> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
    return null;
  } catch (error) {
    return `PostgreSQL at ${maskUrl(url)} does not answer: ${(error as Error).message}`;
  }
}

/** Creates `tidings_bench_<hex>`; returns its URL and a function that drops it. */
export async function createBenchDatabase(
  url = benchPostgresUrl(),
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `tidings_bench_${randomBytes(6).toString('hex')}`;
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name}`));
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return {
    name,
    url: parsed.toString(),
    drop: () => withClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Number of rows in `events` of the given database (optionally another schema). */
export async function countPostgresEvents(url: string, source?: string): Promise<number> {
  return withClient(url, async (c) => {
    const { rows } = source
      ? await c.query('SELECT count(*)::bigint AS n FROM events WHERE source = $1', [source])
      : await c.query('SELECT count(*)::bigint AS n FROM events');
    return Number(rows[0].n);
  });
}

/** Settings that bound PostgreSQL's write speed, for the report. */
export async function postgresSettings(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'wal_level', 'shared_buffers', 'max_connections')`,
    );
    return Object.fromEntries(rows.map((r: { name: string; setting: string }) => [r.name, r.setting]));
  });
}
