import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node bench/run.ts …` (the same program as `npm run bench`) and resolves with its exit code and output. */
function bench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** Both percentiles present, finite, positive, in order, and under a loose bound. */
function expectLatencies(figures: Record<string, number>, p50: string, p99: string, boundMs: number): void {
  for (const key of [p50, p99]) {
    expect(Number.isFinite(figures[key]), `${key}: ${figures[key]}`).toBe(true);
    expect(figures[key], key).toBeGreaterThan(0);
    expect(figures[key], key).toBeLessThan(boundMs);
  }
  expect(figures[p50], p50).toBeLessThanOrEqual(figures[p99]!);
}

describe('npm run bench (smoke)', () => {
  it('runs B1 against SQLite at tiny size and reports sane figures', async () => {
    const out = join(dir, 'smoke.json');
    const { code, output } = await bench([
      'B1',
      '--smoke',
      '--users',
      '1000',
      '--duration',
      '2',
      '--connections',
      '2',
      '--out',
      out,
    ]);
    expect(code, output).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as Array<{
      name: string;
      figures: Record<string, unknown>;
      baseline: Record<string, Record<string, unknown> | null>;
      ratio: number | null;
      machine: Record<string, unknown>;
    }>;
    expect(results.map((r) => r.name)).toEqual(['B1']);
    const b1 = results[0]!;
    expect(b1.figures.store).toBe('sqlite-wal');
    expect(b1.figures.users).toBe(1000);
    expect(b1.figures.campaigns).toBe(50);
    const f = b1.figures as Record<string, number>;
    expect(f.errors).toBe(0);
    expect(f.item_errors).toBe(0);
    // Every reply in the window was accepted, and the rates are what was accepted over the window.
    expect(f.accepted).toBeGreaterThan(0);
    expect(f.requests).toBe(f.accepted);
    expect(f.events_per_request).toBe(75);
    // (over the window as measured, a little longer than --duration)
    expect(Math.abs(f.requests_per_s! - f.accepted! / f.duration_s!)).toBeLessThanOrEqual(
      0.05 * (f.accepted! / f.duration_s!) + 0.1,
    );
    expect(Math.abs(f.events_per_s! - f.requests_per_s! * 75)).toBeLessThanOrEqual(75 * 0.1);
    expectLatencies(f, 'p50_ms', 'p99_ms', 10_000);
    // Requests outside the measured window are stored too, so at least the accepted ones.
    expect(f.events_stored).toBeGreaterThanOrEqual(f.accepted! * 75);
    expect(f.events_stored! % 75).toBe(0);
    // The ratio is taken against better-sqlite3 where bench/.baseline has it, else node:sqlite.
    expect(['better-sqlite3', 'node:sqlite']).toContain(f.ratio_basis);
    const rows = b1.baseline[String(f.ratio_basis)]?.rows_per_s as number;
    expect(rows).toBeGreaterThan(0);
    expect(b1.ratio as number).toBeCloseTo(f.events_per_s! / rows, 2);
    expect(b1.machine).toMatchObject({ cpus: expect.any(Number), node: expect.stringMatching(/^v\d+/) });
  }, 20_000);

  it('runs B3 (timers, with the BullMQ baseline when Redis answers) and B4 (simulate) at tiny size', async () => {
    const out = join(dir, 'smoke-timers.json');
    const { code, output } = await bench(['B3', 'B4', '--smoke', '--out', out]);
    expect(code, output).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as Array<{
      name: string;
      figures: Record<string, unknown>;
      baseline: Record<string, Record<string, unknown> | null>;
      ratio: number | null;
      notes?: string[];
      skipped?: string;
    }>;
    expect(results.map((r) => r.name)).toEqual(['B3', 'B4']);
    const [b3, b4] = results as [(typeof results)[number], (typeof results)[number]];
    expect(b3.skipped, output).toBeUndefined();
    expect(b3.figures).toMatchObject({
      store: 'sqlite-wal',
      delivery: 'line-push',
      line_pushes_accepted: 1000,
      timers: 1000,
      pending_left: 0,
      messages_not_sent: 0,
      suppressed: 0,
      early: 0,
      finished: true,
    });
    expect(b3.figures.sent).toBe(1000);
    expect(b3.figures.timeline).toBe(JSON.stringify({ sent: 1000 }));
    // 1,000 sends over a window of about a second: the rate is one the sends could have had.
    expect(b3.figures.sends_per_s as number).toBeGreaterThan(10);
    expect(b3.figures.sends_per_s as number).toBeLessThanOrEqual(1000 / ((b3.figures.window_s as number) * 0.5));
    // A send goes after its due instant, never before (early: 0), and not minutes late.
    expectLatencies(b3.figures as Record<string, number>, 'lateness_p50_ms', 'lateness_p99_ms', 60_000);
    expect(b3.figures.lateness_max_ms as number).toBeGreaterThanOrEqual(b3.figures.lateness_p99_ms as number);
    expect(b3.figures.worker_peak_rss_mib as number).toBeGreaterThan(50);
    expect(b3.figures.worker_peak_rss_mib as number).toBeLessThan(4096);
    if (b3.baseline.bullmq) {
      expect(b3.baseline.bullmq).toMatchObject({ jobs: 1000, sent: 1000, failed: 0, finished: true });
      expect(b3.ratio as number).toBeGreaterThan(0);
    } else {
      expect(
        b3.notes?.some((n) => n.startsWith('BullMQ baseline not run')),
        output,
      ).toBe(true);
    }

    expect(b4.skipped, output).toBeUndefined();
    expect(b4.figures).toMatchObject({ users: 50, days: 30, campaigns: 20 });
    expect(b4.figures.wall_s as number).toBeGreaterThan(0);
    expect(b4.figures.wall_s as number).toBeLessThan(25);
    expect(b4.figures.lines as number).toBeGreaterThan(b4.figures.events as number);
    expect(b4.figures.sent as number).toBeGreaterThan(0);
    // The figure is the simulation's own count of sent outcomes.
    expect(JSON.parse(b4.figures.outcomes as string).sent).toBe(b4.figures.sent);
    expect(b4.ratio).toBeNull();
  }, 30_000);

  it('runs B2 (inbound → reply) at tiny size: every LINE, STOP and keyword webhook is answered, and the relay baseline runs', async () => {
    const out = join(dir, 'smoke-inbound.json');
    const { code, output } = await bench(['B2', '--smoke', '--duration', '1', '--out', out]);
    expect(code, output).toBe(0);
    const [b2] = JSON.parse(readFileSync(out, 'utf8')) as [
      {
        name: string;
        figures: Record<string, number>;
        baseline: Record<string, Record<string, number> | null>;
        ratio: number | null;
      },
    ];
    expect(b2.name).toBe('B2');
    for (const phase of ['line', 'sms_stop', 'sms_keyword']) {
      expect(b2.figures[`${phase}_webhooks`], phase).toBe(20);
      expect(b2.figures[`${phase}_answered`], phase).toBe(20);
      expect(b2.figures[`${phase}_errors`], phase).toBe(0);
      expectLatencies(b2.figures, `${phase}_p50_ms`, `${phase}_p99_ms`, 10_000);
    }
    expect(b2.baseline.relay).toMatchObject({ line_webhooks: 20, line_answered: 20, line_errors: 0 });
    expect(b2.ratio).toBeGreaterThan(0);
  }, 30_000);
});
