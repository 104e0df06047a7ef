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
    const [b1] = results;
    expect(b1.figures.store).toBe('sqlite-wal');
    expect(b1.figures.users).toBe(1000);
    expect(b1.figures.campaigns).toBe(50);
    expect(b1.figures.events_per_s as number).toBeGreaterThan(0);
    expect(b1.figures.errors).toBe(0);
    expect(b1.figures.item_errors).toBe(0);
    expect(Number.isFinite(b1.figures.p99_ms)).toBe(true);
    expect(b1.figures.p50_ms as number).toBeLessThanOrEqual(b1.figures.p99_ms as number);
    expect(b1.figures.events_stored as number).toBeGreaterThanOrEqual((b1.figures.accepted as number) * 75);
    expect(b1.baseline['node:sqlite']?.rows_per_s as number).toBeGreaterThan(0);
    expect(b1.ratio as number).toBeGreaterThan(0);
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
    const [b3, b4] = results;
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
    expect(b3.figures.sends_per_s as number).toBeGreaterThan(0);
    expect(b3.figures.lateness_p50_ms as number).toBeGreaterThanOrEqual(0);
    expect(b3.figures.lateness_p50_ms as number).toBeLessThanOrEqual(b3.figures.lateness_p99_ms as number);
    expect(b3.figures.worker_peak_rss_mib as number).toBeGreaterThan(0);
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
    expect(b4.figures.lines as number).toBeGreaterThan(b4.figures.events as number);
    expect(b4.figures.sent as number).toBeGreaterThan(0);
    expect(b4.ratio).toBeNull();
  }, 30_000);

  it('runs B2 (inbound → reply) at tiny size: every LINE, STOP and keyword webhook is answered, and the relay baseline runs', async () => {
    const out = join(dir, 'smoke-inbound.json');
    const { code, output } = await bench(['B2', '--smoke', '--duration', '1', '--out', out]);
    expect(code, output).toBe(0);
    const [b2] = JSON.parse(readFileSync(out, 'utf8')) as Array<{
      name: string;
      figures: Record<string, number>;
      baseline: Record<string, Record<string, number> | null>;
      ratio: number | null;
    }>;
    expect(b2.name).toBe('B2');
    for (const phase of ['line', 'sms_stop', 'sms_keyword']) {
      expect(b2.figures[`${phase}_webhooks`], phase).toBe(20);
      expect(b2.figures[`${phase}_answered`], phase).toBe(20);
      expect(b2.figures[`${phase}_errors`], phase).toBe(0);
      expect(b2.figures[`${phase}_p50_ms`], phase).toBeGreaterThan(0);
      expect(b2.figures[`${phase}_p50_ms`], phase).toBeLessThanOrEqual(b2.figures[`${phase}_p99_ms`]);
    }
    expect(b2.baseline.relay).toMatchObject({ line_webhooks: 20, line_answered: 20, line_errors: 0 });
    expect(b2.ratio).toBeGreaterThan(0);
  }, 30_000);
});
