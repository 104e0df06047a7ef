// B4's measured process: `node bench/lib/simulate-child.ts --users N --days D [--sessions S] [--cpu-prof FILE]`.
// Generates the scenario (bench/lib/simulate-scenario.ts), then times `runScenario` — the code
// behind `tidings simulate` — on it, and prints one JSON line. A process of its own, so that the
// figures do not depend on what the harness ran before.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { runScenario } from '../../src/simulation/run-scenario.ts';
import { generateScenario } from './simulate-scenario.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30' },
    sessions: { type: 'string', default: '3' },
    'cpu-prof': { type: 'string' },
  },
});

let started = performance.now();
const generated = generateScenario({
  users: Number(values.users),
  days: Number(values.days),
  sessionsPerUser: Number(values.sessions),
});
const generateSeconds = (performance.now() - started) / 1000;

let session: Session | null = null;
if (values['cpu-prof']) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
}
const cpuStart = process.cpuUsage();
started = performance.now();
const lines = await runScenario(generated.scenario, generated.definitions as Record<string, unknown>);
const wallSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(values['cpu-prof']!, JSON.stringify(profile));
  session.disconnect();
}

const outcomes: Record<string, number> = {};
const campaigns = new Set<string>();
const instants = new Set<string>();
for (const line of lines) {
  const key = line.reason ? `${line.outcome}:${line.reason}` : line.outcome;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
  if (line.campaign) campaigns.add(line.campaign);
  instants.add(line.at);
}
console.log(
  JSON.stringify({
    ...generated.counts,
    generate_s: generateSeconds,
    wall_s: wallSeconds,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    lines: lines.length,
    sent: outcomes.sent ?? 0,
    campaigns_with_lines: campaigns.size,
    distinct_instants: instants.size,
    outcomes,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
