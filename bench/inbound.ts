import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeLine } from '../test/fakes/line.ts';
import { FakeTwilio } from '../test/fakes/twilio.ts';
import { percentile, round } from './lib/http-load.ts';
import { runOpenLoop } from './lib/open-loop.ts';
import { profileNotes } from './lib/profile.ts';
import { node24, procCpuSeconds, ROOT, startServer, type RunningServer } from './lib/server.ts';
import type { Benchmark, BenchOptions, BenchResult, Figures } from './lib/types.ts';

/**
 * B2, inbound → reply: signed provider webhooks arrive at a steady 200 per second (open loop, so
 * queueing shows in the latencies) from users the server already knows, and the latency is from
 * the moment the harness starts writing a webhook to the moment the fake provider receives the
 * answer. Three phases, one after the other, each `--duration` seconds after `--warmup`:
 *
 * - `line`: a LINE text `hello N` matching a trigger-word campaign with no delay; the answer is a
 *   LINE reply (the token is fresh) carrying `N` back, received by the fake LINE server.
 * - `sms_stop`: `STOP`; the answer is the TwiML in the webhook's own response.
 * - `sms_keyword`: the custom keyword `DEALS`, answered by a `custom_event` campaign on
 *   `sms_response_{group}_custom`; the answer is a Twilio send carrying the MessageSid back.
 *
 * The fakes run in this process and `performance.now()` is one clock for both ends. The baseline
 * (bench/baseline-relay.mjs) answers the same LINE webhooks with a bare node:http relay: the same
 * two loopback hops with nothing in between, what the machine itself costs.
 */

const RATE = 200;
const TARGET = { line_p50_ms: 5, line_p99_ms: 25 } as const;
const LINE_TOKEN = 'bench-line-token';
const LINE_SECRET = 'bench-line-secret';
const TWILIO = { accountSid: `AC${'b'.repeat(32)}`, authToken: 'bench-twilio-token' };
const SHORT_CODE = '+14155550100';
/** How long after the last webhook the answers still on their way are waited for. */
const DRAIN_MS = 5_000;

const lineUser = (n: number) => `U${n.toString(16).padStart(32, '0')}`;
/** A valid US number (libphonenumber checks the exchange), pool 1 or 2, n < 10,000. */
const phone = (pool: number, n: number) => `+1415${200 + pool}${String(n).padStart(4, '0')}`;
const messageSid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;

function definitions(lineUrl: string, twilioUrl: string) {
  return {
    subscription_groups: [
      { id: 'line-friends', name: 'LINE friends', channel_type: 'line' },
      {
        id: 'sms-marketing',
        name: 'SMS marketing',
        channel_type: 'sms',
        keyword_categories: [{ category: 'deals', keywords: ['DEALS'] }],
      },
    ],
    channels: [
      {
        id: 'line-main',
        type: 'line',
        channel_secret: LINE_SECRET,
        channel_access_token: LINE_TOKEN,
        api_base_url: lineUrl,
        subscription_group: 'line-friends',
      },
      {
        id: 'sms-main',
        type: 'twilio_sms',
        account_sid: TWILIO.accountSid,
        auth_token: TWILIO.authToken,
        from: SHORT_CODE,
        api_base_url: twilioUrl,
        subscription_group: 'sms-marketing',
      },
    ],
    campaigns: [
      {
        id: 'hello',
        name: 'Answer hello',
        status: 'active',
        reeligibility: { after_seconds: 0 },
        trigger: { type: 'inbound_message', channel_type: 'line', trigger_words: ['hello'], match: 'contains' },
        message: { channel: 'line-main', default: { type: 'text', text: 'Hi! You said {{ inbound.text }}' } },
      },
      {
        id: 'deals',
        name: 'Answer DEALS',
        status: 'active',
        reeligibility: { after_seconds: 0 },
        trigger: {
          type: 'custom_event',
          event: 'sms_response_sms-marketing_custom',
          filters: [{ property: 'message_body', op: 'eq', value: 'deals' }],
        },
        message: {
          channel: 'sms-main',
          default: { type: 'text', text: 'Deals for you ({{ event.properties.sms_message_id }})' },
        },
      },
    ],
  };
}

/** POSTs one webhook on a keep-alive agent; resolves with the status, the body, and when the answer was complete. */
function post(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string; at: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), at: performance.now() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const lineSignature = (body: string) => createHmac('sha256', LINE_SECRET).update(body).digest('base64');

/** Twilio's signature: the URL, then every parameter name and value in name order, HMAC-SHA1 with the auth token. */
function twilioSignature(url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', TWILIO.authToken).update(data).digest('base64');
}

function lineWebhook(events: unknown[]): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify({ destination: 'Ubench', events });
  return {
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-line-signature': lineSignature(body) },
    body,
  };
}

let eventCounter = 0;
const lineEvent = (type: 'follow' | 'message', user: string, extra: Record<string, unknown> = {}) => ({
  type,
  mode: 'active',
  timestamp: Date.now(),
  source: { type: 'user', userId: user },
  webhookEventId: `01BENCH${String(++eventCounter).padStart(19, '0')}`,
  deliveryContext: { isRedelivery: false },
  ...extra,
});

function smsWebhook(
  url: string,
  from: string,
  text: string,
  sid: string,
): { headers: Record<string, string>; body: string } {
  const params = {
    MessageSid: sid,
    AccountSid: TWILIO.accountSid,
    From: from,
    To: SHORT_CODE,
    Body: text,
    NumMedia: '0',
  };
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(url, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

/** Latencies of one phase and what went wrong in it. */
class PhaseRecord {
  readonly latencies: number[] = [];
  readonly webhookLatencies: number[] = [];
  measured = 0;
  answered = 0;
  errors = 0;
  firstError: string | null = null;
  readonly started = new Map<number, number>();

  fail(message: string): void {
    this.errors++;
    this.firstError ??= message;
  }

  figures(prefix: string, extra: { startLagMs: number; serverCpuCores: number | null }): Figures {
    const sorted = Float64Array.from(this.latencies).sort();
    const webhook = Float64Array.from(this.webhookLatencies).sort();
    return {
      [`${prefix}_webhooks`]: this.measured,
      [`${prefix}_answered`]: this.answered,
      [`${prefix}_missing`]: this.measured - this.answered,
      [`${prefix}_errors`]: this.errors,
      [`${prefix}_p50_ms`]: round(percentile(sorted, 50)),
      [`${prefix}_p90_ms`]: round(percentile(sorted, 90)),
      [`${prefix}_p99_ms`]: round(percentile(sorted, 99)),
      [`${prefix}_max_ms`]: round(sorted.at(-1) ?? null),
      [`${prefix}_webhook_response_p50_ms`]: round(percentile(webhook, 50)),
      [`${prefix}_webhook_response_p99_ms`]: round(percentile(webhook, 99)),
      [`${prefix}_generator_max_start_lag_ms`]: round(extra.startLagMs),
      [`${prefix}_server_cpu_cores`]: extra.serverCpuCores === null ? null : round(extra.serverCpuCores),
    };
  }
}

interface Phase {
  name: string;
  /** Sends webhook `i`; resolves with its answer (the response) once it is in. */
  fire(i: number, record: PhaseRecord, measured: boolean): Promise<void>;
}

/** Runs one phase at RATE per second and waits (at most DRAIN_MS) for the answers still due. */
async function runPhase(
  phase: Phase,
  options: BenchOptions,
  record: PhaseRecord,
  cpu: () => number | null,
  log: (line: string) => void,
) {
  const cpuBefore = cpu();
  const began = performance.now();
  const load = await runOpenLoop({
    rate: options.smoke ? 20 : RATE,
    warmupMs: options.warmup * 1000,
    durationMs: options.duration * 1000,
    fire: (i, measured) => phase.fire(i, record, measured).catch((error: Error) => record.fail(error.message)),
  });
  record.measured = load.measured;
  const deadline = performance.now() + DRAIN_MS;
  while (record.answered < record.measured && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const cpuAfter = cpu();
  const seconds = (performance.now() - began) / 1000;
  log(
    `${phase.name}: ${record.answered}/${record.measured} answered, p50 ${round(percentile(Float64Array.from(record.latencies).sort(), 50))} ms, p99 ${round(percentile(Float64Array.from(record.latencies).sort(), 99))} ms`,
  );
  return {
    startLagMs: load.maxStartLagMs,
    serverCpuCores: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / seconds,
  };
}

/** Notes the arrival of the answer to webhook `i`, when it is one of the measured ones. */
function answered(record: PhaseRecord, i: number, at: number): void {
  const startedAt = record.started.get(i);
  if (startedAt === undefined) return;
  record.started.delete(i);
  record.latencies.push(at - startedAt);
  record.answered++;
}

async function seedUsers(server: RunningServer, users: number, log: (line: string) => void): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const began = performance.now();
  try {
    // LINE friends, 100 follow events per webhook; SMS subscribers, a START each (both pools).
    for (let first = 0; first < users; first += 100) {
      const events = Array.from({ length: Math.min(100, users - first) }, (_, k) =>
        lineEvent('follow', lineUser(first + k), { replyToken: 'unused' }),
      );
      const { headers, body } = lineWebhook(events);
      const reply = await post(agent, `${server.url}/webhooks/line/line-main`, headers, body);
      if (reply.status !== 200) throw new Error(`seeding LINE followers failed: ${reply.status} ${reply.body}`);
    }
    const url = `${server.url}/webhooks/twilio/sms-main`;
    const numbers = [1, 2].flatMap((pool) => Array.from({ length: users }, (_, n) => phone(pool, n)));
    let next = 0;
    const worker = async () => {
      while (next < numbers.length) {
        const n = next++;
        const { headers, body } = smsWebhook(url, numbers[n]!, 'START', `SMseed${String(n).padStart(26, '0')}`);
        const reply = await post(agent, url, headers, body);
        if (reply.status !== 200) throw new Error(`seeding SMS subscribers failed: ${reply.status} ${reply.body}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    agent.destroy();
  }
  log(
    `seeded ${users} LINE friends and ${2 * users} SMS subscribers in ${((performance.now() - began) / 1000).toFixed(1)} s`,
  );
}

/** The LINE phase against a server at `url` (Tidings' webhook path, or the relay's). */
function linePhase(
  line: FakeLine,
  url: string,
  users: number,
  pending: Map<string, { record: PhaseRecord; i: number }>,
): Phase {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    name: 'line',
    async fire(i, record, measured) {
      const replyToken = line.issueReplyToken();
      const { headers, body } = lineWebhook([
        lineEvent('message', lineUser(i % users), {
          replyToken,
          message: { id: `m${i}`, type: 'text', text: `hello ${i}`, quoteToken: 'q' },
        }),
      ]);
      if (measured) {
        pending.set(replyToken, { record, i });
        record.started.set(i, performance.now());
      }
      const began = performance.now();
      const reply = await post(agent, url, headers, body);
      if (reply.status !== 200) return record.fail(`LINE webhook: ${reply.status} ${reply.body.slice(0, 300)}`);
      if (measured) record.webhookLatencies.push(reply.at - began);
    },
  };
}

function smsStopPhase(url: string, users: number): Phase {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    name: 'sms_stop',
    async fire(i, record, measured) {
      const { headers, body } = smsWebhook(url, phone(1, i % users), 'STOP', messageSid(1_000_000_000 + i));
      const began = performance.now();
      const reply = await post(agent, url, headers, body);
      if (reply.status !== 200 || !reply.body.includes('<Message>'))
        return record.fail(`STOP: ${reply.status} ${reply.body.slice(0, 300)}`);
      if (measured) {
        record.webhookLatencies.push(reply.at - began);
        record.latencies.push(reply.at - began);
        record.answered++;
      }
    },
  };
}

function smsKeywordPhase(url: string, users: number): Phase {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    name: 'sms_keyword',
    async fire(i, record, measured) {
      const { headers, body } = smsWebhook(url, phone(2, i % users), 'DEALS', messageSid(i));
      if (measured) record.started.set(i, performance.now());
      const began = performance.now();
      const reply = await post(agent, url, headers, body);
      if (reply.status !== 200) return record.fail(`DEALS: ${reply.status} ${reply.body.slice(0, 300)}`);
      if (measured) record.webhookLatencies.push(reply.at - began);
    },
  };
}

/** Starts bench/baseline-relay.mjs; resolves with its URL and a stop function. */
async function startRelay(lineUrl: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    node24(),
    [join(ROOT, 'bench', 'baseline-relay.mjs'), '--line-url', lineUrl, '--token', LINE_TOKEN, '--secret', LINE_SECRET],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`baseline-relay.mjs exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const log = options.log;
  const users = options.users ?? (options.smoke ? 20 : 1000);
  const replies = new Map<string, { record: PhaseRecord; i: number }>();
  const line = new FakeLine({
    token: LINE_TOKEN,
    keepRequests: false,
    onAccepted: ({ body, arrivedAt }) => {
      const waiting = body.replyToken ? replies.get(body.replyToken) : undefined;
      if (!waiting) return;
      replies.delete(body.replyToken!);
      answered(waiting.record, waiting.i, arrivedAt);
    },
  });
  let keywordRecord: PhaseRecord | null = null;
  const twilio = new FakeTwilio({
    ...TWILIO,
    onCreated: (message, arrivedAt) => {
      const match = /\((SM[0-9a-f]{32})\)/.exec(message.body);
      if (match && keywordRecord) answered(keywordRecord, Number.parseInt(match[1]!.slice(2), 16), arrivedAt);
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-inbound-'));
  const notes: string[] = [
    'latency: from just before the harness writes the webhook to the fake provider receiving the answer (LINE reply, Twilio send), one clock (performance.now()) in the harness process, which also runs the fakes; for STOP, the answer is the TwiML response itself',
    `open loop at ${options.smoke ? 20 : RATE} webhooks/s per phase; ${users} known LINE users and 2 × ${users} subscribed SMS numbers, seeded through the webhooks before the load`,
  ];
  let server: RunningServer | null = null;
  try {
    const lineUrl = await line.start();
    const twilioUrl = await twilio.start();
    server = await startServer({ db: join(dir, 'inbound.db'), inspect: options.cpuProf, log });
    const applied = await fetch(`${server.url}/v1/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(definitions(lineUrl, twilioUrl)),
    });
    if (!applied.ok) throw new Error(`B2 could not apply its definitions: ${applied.status} ${await applied.text()}`);
    await seedUsers(server, users, log);

    const cpu = () => server!.cpuSeconds();
    const lineRecord = new PhaseRecord();
    const profiling = server.profiler?.start() ?? null;
    const lineRun = await runPhase(
      linePhase(line, `${server.url}/webhooks/line/line-main`, users, replies),
      options,
      lineRecord,
      cpu,
      log,
    );
    if (server.profiler && profiling) {
      await profiling;
      mkdirSync(join(options.resultsDir, 'profiles'), { recursive: true });
      const path = join(
        options.resultsDir,
        'profiles',
        `B2-line-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
      );
      await server.profiler.stop(path);
      notes.push(...profileNotes(path, options).map((note) => note.replace('measured window', 'LINE phase')));
    }
    const stopRecord = new PhaseRecord();
    const stopRun = await runPhase(
      smsStopPhase(`${server.url}/webhooks/twilio/sms-main`, users),
      options,
      stopRecord,
      cpu,
      log,
    );
    keywordRecord = new PhaseRecord();
    const keywordRun = await runPhase(
      smsKeywordPhase(`${server.url}/webhooks/twilio/sms-main`, users),
      options,
      keywordRecord,
      cpu,
      log,
    );
    const rss = server.rssMiB();
    await server.stop();
    server = null;

    const figures: Figures = {
      store: 'sqlite-wal',
      rate_per_s: options.smoke ? 20 : RATE,
      seconds_per_phase: options.duration,
      users,
      ...lineRecord.figures('line', lineRun),
      ...stopRecord.figures('sms_stop', stopRun),
      ...keywordRecord.figures('sms_keyword', keywordRun),
      server_rss_mib: rss === null ? null : Math.round(rss),
    };
    for (const [name, record] of [
      ['line', lineRecord],
      ['sms_stop', stopRecord],
      ['sms_keyword', keywordRecord],
    ] as const) {
      if (record.firstError) notes.push(`${name}: ${record.errors} errors, the first: ${record.firstError}`);
    }

    const baseline: Record<string, Figures | null> = {};
    let ratio: number | null = null;
    if (!options.noBaseline) {
      log('baseline: a bare node:http relay answering the same LINE webhooks…');
      const relay = await startRelay(lineUrl);
      try {
        const relayRecord = new PhaseRecord();
        const relayRun = await runPhase(
          linePhase(line, `${relay.url}/`, users, replies),
          options,
          relayRecord,
          () => procCpuSeconds(relay.pid),
          log,
        );
        baseline.relay = relayRecord.figures('line', relayRun);
        const ours = figures.line_p50_ms;
        const theirs = baseline.relay.line_p50_ms;
        if (typeof ours === 'number' && typeof theirs === 'number' && theirs > 0) {
          ratio = round(ours / theirs);
          figures.ratio_basis = 'line_p50_ms ÷ relay line_p50_ms (lower is better)';
        }
      } finally {
        await relay.stop();
      }
    }
    const p50 = figures.line_p50_ms;
    const p99 = figures.line_p99_ms;
    return {
      name: 'B2',
      figures,
      baseline,
      ratio,
      target: {
        line_p50_ms: TARGET.line_p50_ms,
        line_p99_ms: TARGET.line_p99_ms,
        met:
          typeof p50 === 'number' &&
          typeof p99 === 'number' &&
          p50 <= TARGET.line_p50_ms &&
          p99 <= TARGET.line_p99_ms &&
          figures.line_missing === 0,
      },
      notes,
    };
  } finally {
    await server?.stop();
    await line.stop();
    await twilio.stop();
    if (process.env.BENCH_KEEP) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

export const inboundBenchmarks: Benchmark[] = [
  {
    name: 'B2',
    groups: ['inbound'],
    description:
      'inbound → reply: signed LINE and Twilio webhooks at 200/s (open loop) answered by campaigns; latency to the fake provider p50/p99; baseline a bare relay',
    headline: ['line_p50_ms', 'line_p99_ms', 'sms_stop_p99_ms', 'sms_keyword_p50_ms', 'sms_keyword_p99_ms'],
    baselineHeadline: ['line_p50_ms', 'line_p99_ms'],
    run,
  },
];
