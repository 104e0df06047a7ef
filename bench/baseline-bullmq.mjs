// B3's baseline: `node bench/baseline-bullmq.mjs --jobs N --window-ms MS [--concurrency C] [--redis URL] [--margin-ms MS]`
// (Node 24, from node_modules). The same workload as B3 on the usual Node job queue: N BullMQ
// delayed jobs on the local Redis, due evenly over the window; a BullMQ worker that makes one HTTP
// POST per job (a LINE push body, keep-alive) to a tiny HTTP server in another process, the
// stand-in for the fake LINE endpoint. Lateness is measured where the push arrives: arrival − due.
// Prints one JSON line: the figures of bench/lib/lateness.ts plus the run's own, or
// {"skipped": "why"} when Redis does not answer or bullmq is not installed.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { latenessFigures } from './lib/lateness.ts';

const rssMiB = (pid = 'self') => {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
};

// ---- the fake LINE endpoint (child process) --------------------------------------------------------

function serve(capacity) {
  const due = new Float64Array(capacity);
  const arrived = new Float64Array(capacity);
  let count = 0;
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString());
      if (count < capacity) {
        due[count] = body.due;
        arrived[count] = now;
        count++;
      }
      const reply = `{"sentMessages":[{"id":"${count}","quoteToken":"bench"}]}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
      res.end(reply);
    });
  });
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  process.on('message', (message) => {
    if (message.cmd !== 'stats') return;
    const cpu = process.cpuUsage(cpuStart);
    const figures = latenessFigures(due.subarray(0, count), arrived.subarray(0, count), message.anchor);
    process.send(
      {
        figures,
        server_cpu_s: (cpu.user + cpu.system) / 1e6,
        server_wall_s: (performance.now() - wallStart) / 1000,
        server_peak_rss_mib: rssMiB(),
      },
      () => process.exit(0),
    );
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

// ---- the queue, the worker and the measurement ----------------------------------------------------------

// bullmq and ioredis live in bench/.baseline (installed on first full run by bench/lib/baselines.ts),
// not in the project's dependencies: their native optional packages cannot all be locked offline.
const baselineRequire = createRequire(new URL('./.baseline/package.json', import.meta.url));
const importBaseline = (name) => import(pathToFileURL(baselineRequire.resolve(name)).href);

function bullmqVersion() {
  try {
    return JSON.parse(readFileSync(baselineRequire.resolve('bullmq/package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function redisInfo(text, field) {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return match ? match[1].trim() : null;
}

async function main() {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string' },
      'window-ms': { type: 'string' },
      concurrency: { type: 'string', default: '100' },
      redis: { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
      chunk: { type: 'string', default: '5000' },
      'margin-ms': { type: 'string', default: '2000' },
    },
  });
  const jobs = Number(values.jobs);
  const windowMs = Number(values['window-ms']);
  const concurrency = Number(values.concurrency);
  const chunk = Number(values.chunk);
  if (!(jobs > 0) || !(windowMs > 0))
    throw new Error('usage: baseline-bullmq.mjs --jobs N --window-ms MS [--concurrency C] [--redis URL]');
  const say = (line) => process.stderr.write(`${line}\n`);

  let bullmq;
  let IORedis;
  try {
    bullmq = await importBaseline('bullmq');
    IORedis = (await importBaseline('ioredis')).default;
  } catch (error) {
    console.log(
      JSON.stringify({
        skipped: `bullmq is not installed in bench/.baseline (${error.message.split('\n')[0]}); a full run installs it`,
      }),
    );
    return;
  }
  const url = new URL(values.redis);
  const connection = {
    host: url.hostname,
    port: Number(url.port || 6379),
    password: url.password || undefined,
    maxRetriesPerRequest: null,
  };
  const probe = new IORedis({
    ...connection,
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    probe.disconnect();
    console.log(JSON.stringify({ skipped: `Redis at ${url.host} does not answer (${error.message})` }));
    return;
  }
  const redisVersion = redisInfo(await probe.info('server'), 'redis_version');

  const server = fork(new URL(import.meta.url).pathname, ['--serve', String(jobs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve, reject) => {
    server.once('message', (m) => resolve(m.port));
    server.once('exit', (code) => reject(new Error(`the HTTP server exited with ${code}`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const push = (data) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ to: data.to, due: data.due, messages: [{ type: 'text', text: data.text }] });
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/v2/bot/message/push',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: 'Bearer bench',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const name = `tidings-bench-${randomBytes(4).toString('hex')}`;
  const queue = new bullmq.Queue(name, { connection });
  const addChunk = async (from, to, anchor) => {
    const list = [];
    const now = Date.now();
    for (let i = from; i < to; i++) {
      const due = anchor + Math.floor((i * windowMs) / jobs);
      const delay = Math.max(0, due - now);
      list.push({
        name: 'push',
        data: { to: `U${(i + 1).toString(16).padStart(32, '0')}`, due, text: 'Hi there, your cart is still waiting' },
        opts: { timestamp: due - delay, delay, removeOnComplete: true, removeOnFail: true },
      });
    }
    await queue.addBulk(list);
  };
  try {
    // Calibrate: how fast this machine adds jobs, so that the window opens just after they are all in.
    const calibration = Math.min(jobs, 10_000);
    let started = performance.now();
    const farAway = Date.now() + 86_400_000;
    const scratch = new bullmq.Queue(`${name}-calibration`, { connection });
    for (let from = 0; from < calibration; from += chunk) {
      const list = [];
      for (let i = from; i < Math.min(calibration, from + chunk); i++)
        list.push({
          name: 'push',
          data: { to: 'U0', due: farAway, text: 'x' },
          opts: { delay: 86_400_000, removeOnComplete: true },
        });
      await scratch.addBulk(list);
    }
    const addRate = calibration / ((performance.now() - started) / 1000);
    await scratch.obliterate({ force: true });
    await scratch.close();
    const anchor = Date.now() + Math.round((jobs / addRate) * 1000 * 1.3) + Number(values['margin-ms']);
    say(
      `adding ${jobs} delayed jobs (~${Math.round(addRate)}/s), due over ${windowMs / 1000} s from ${new Date(anchor).toISOString()}…`,
    );

    started = performance.now();
    for (let from = 0; from < jobs; from += chunk) await addChunk(from, Math.min(jobs, from + chunk), anchor);
    const addSeconds = (performance.now() - started) / 1000;
    const overranMs = Math.max(0, Date.now() - anchor);
    const redisMemory = Number(redisInfo(await probe.info('memory'), 'used_memory')) / 1024 ** 2;
    const redisCpu = async () => {
      const info = await probe.info('cpu');
      return Number(redisInfo(info, 'used_cpu_sys')) + Number(redisInfo(info, 'used_cpu_user'));
    };
    say(
      `added in ${addSeconds.toFixed(1)} s (${overranMs > 0 ? `${overranMs} ms past the first due instant` : 'before the window'}); Redis uses ${redisMemory.toFixed(0)} MiB`,
    );

    let done = 0;
    let failed = 0;
    let finish;
    const allDone = new Promise((resolve) => (finish = resolve));
    const worker = new bullmq.Worker(
      name,
      async (job) => {
        await push(job.data);
        if (++done === jobs) finish(true);
      },
      { connection, concurrency, autorun: false },
    );
    worker.on('failed', () => failed++);
    worker.on('error', (error) => say(`worker error: ${error.message}`));
    let peakRss = rssMiB();
    let peakServerRss = rssMiB(server.pid);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMiB());
      peakServerRss = Math.max(peakServerRss, rssMiB(server.pid));
    }, 250);
    const deadline = anchor + windowMs + Math.max(60_000, windowMs * 10);
    const timer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
    const cpuStart = process.cpuUsage();
    const redisCpuStart = await redisCpu();
    const wallStart = performance.now();
    void worker.run();
    const finished = await allDone;
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const redisCpuSeconds = (await redisCpu()) - redisCpuStart;
    clearTimeout(timer);
    clearInterval(sampler);
    await worker.close(true);

    const stats = await new Promise((resolve) => {
      server.once('message', resolve);
      server.send({ cmd: 'stats', anchor });
    });
    const figures = stats.figures;
    console.log(
      JSON.stringify({
        program: 'bench/baseline-bullmq.mjs',
        bullmq_version: bullmqVersion(),
        redis_version: redisVersion,
        jobs,
        window_s: windowMs / 1000,
        concurrency,
        ...figures,
        rows_per_s: figures.sends_per_s,
        failed,
        finished,
        add_s: Number(addSeconds.toFixed(1)),
        add_overran_ms: overranMs,
        worker_cpu_cores: Number(((cpu.user + cpu.system) / 1e6 / wallSeconds).toFixed(2)),
        worker_peak_rss_mib: Math.round(peakRss),
        http_server_cpu_cores: Number((stats.server_cpu_s / wallSeconds).toFixed(2)),
        http_server_peak_rss_mib: Math.round(Math.max(peakServerRss, stats.server_peak_rss_mib)),
        redis_cpu_cores: Number((redisCpuSeconds / wallSeconds).toFixed(2)),
        redis_memory_mib: Math.round(redisMemory),
      }),
    );
  } finally {
    agent.destroy();
    if (server.exitCode === null) server.kill();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    probe.disconnect();
  }
}

if (process.argv[2] === '--serve') serve(Number(process.argv[3]));
else
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error.stack ?? String(error));
      process.exit(1);
    },
  );
