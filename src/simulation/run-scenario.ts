import { simulationAdapter } from '../channels/adapter.ts';
import { emptyUserKeys } from '../core/identifiers.ts';
import type { Json } from '../core/user.ts';
import { ensureAdminKey } from '../engine/api-keys.ts';
import { CampaignWorker } from '../engine/campaigns/worker.ts';
import { liveDefinitions } from '../engine/campaigns/definitions.ts';
import { receiveInbound as receiveInboundEvents } from '../engine/inbound.ts';
import { lineInboundEvents } from '../channels/line/webhook.ts';
import { smsInboundEvent } from '../channels/twilio-sms/webhook.ts';
import type { webhook } from '@line/bot-sdk';
import { ManualClock } from '../engine/clock.ts';
import { cachedSettings, createEngine, type Engine } from '../engine/engine.ts';
import { NO_RATE_LIMITS } from '../core/rate-limit.ts';
import { buildApp } from '../http/app.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { resolveAt, type Expectation, type InboundStep, type Scenario } from './scenario.ts';

/** One line of the simulation's output: a timeline decision, in virtual-time order. */
export interface OutcomeLine {
  at: string;
  user: string;
  user_id: string;
  campaign: string | null;
  outcome: string;
  reason?: string;
  [detail: string]: Json | undefined;
  /** The user's other identifiers (line_id, phone, email), for expectations; not printed. */
  [OTHER_IDENTIFIERS]?: string[];
}

/** A symbol key, so that JSON output leaves it out. */
export const OTHER_IDENTIFIERS = Symbol('other identifiers');

export class ScenarioError extends Error {}

const SIMULATION_KEY = 'simulation-admin-key';

/**
 * Runs a scenario through the real server code (the Fastify app, answered in-process with
 * `inject`, so requests are validated exactly as on the network) over an in-memory SQLite store
 * and a virtual clock. Between steps the clock jumps from one due timer to the next, so the
 * worker runs each at its own instant.
 */
export async function runScenario(
  scenario: Scenario,
  definitions: Record<string, unknown> | undefined,
): Promise<OutcomeLine[]> {
  const start = resolveAt(scenario.start, 0);
  if (start === null) throw new ScenarioError(`'start' is not an ISO 8601 instant: ${JSON.stringify(scenario.start)}`);
  const clock = new ManualClock(start);
  const store = new SqliteStore(':memory:', { singleTransaction: true });
  await store.migrate();
  const engine = createEngine(store, clock);
  await ensureAdminKey(engine, SIMULATION_KEY);
  const app = await buildApp({ engine, rateLimits: NO_RATE_LIMITS });
  const worker = new CampaignWorker(engine, simulationAdapter);
  const call = async (method: 'POST' | 'PATCH', url: string, body: unknown, what: string) => {
    const reply = await app.inject({
      method,
      url,
      payload: body as object,
      headers: { authorization: `Bearer ${SIMULATION_KEY}` },
    });
    if (reply.statusCode >= 300) throw new ScenarioError(`${what}: ${reply.statusCode} ${reply.json().message}`);
    return reply.json();
  };
  try {
    if (scenario.settings) await call('PATCH', '/v1/settings', scenario.settings, "'settings'");
    if (definitions) await call('POST', '/v1/apply', definitions, "'definitions'");
    let previous = start;
    for (const [i, step] of scenario.steps.entries()) {
      const at = resolveAt(step.at, previous);
      if (at === null)
        throw new ScenarioError(`'steps[${i}].at' is not an instant or +N(s|m|h|d): ${JSON.stringify(step.at)}`);
      if (at < previous)
        throw new ScenarioError(`'steps[${i}].at' (${new Date(at).toISOString()}) is before the previous step`);
      await runUntil(engine, worker, clock, at);
      if ('track' in step) {
        const reply = await call('POST', '/users/track', step.track, `'steps[${i}].track'`);
        if (reply.errors)
          throw new ScenarioError(`'steps[${i}].track' has refused objects: ${JSON.stringify(reply.errors)}`);
      } else if ('inbound' in step) {
        await receiveInbound(engine, step.inbound, `steps[${i}].inbound`);
      } else {
        await call('POST', '/campaigns/trigger/send', step.trigger_send, `'steps[${i}].trigger_send'`);
      }
      await runUntil(engine, worker, clock, at);
      previous = at;
    }
    if (scenario.until !== undefined) {
      const until = resolveAt(scenario.until, previous);
      if (until === null || until < previous)
        throw new ScenarioError(
          `'until' must be an instant or +N(s|m|h|d) not before the last step: ${JSON.stringify(scenario.until)}`,
        );
      await runUntil(engine, worker, clock, until);
    }
    return await outcomeLines(engine);
  } finally {
    await app.close();
    await store.close();
  }
}

/**
 * An inbound step goes to the engine code behind the provider's webhook (the signature check in
 * front of it is HTTP's business): a LINE event, or a Twilio SMS, with a fresh id, at the virtual
 * now. A keyword's reply shows as a `sent` line with `source: keyword`.
 */
async function receiveInbound(engine: Engine, inbound: InboundStep, field: string): Promise<void> {
  const channel = (await liveDefinitions(engine)).channels.get(inbound.channel);
  if (!channel) throw new ScenarioError(`'${field}.channel' names no channel: '${inbound.channel}'`);
  if (channel.type === 'twilio_sms') {
    if (!('text' in inbound))
      throw new ScenarioError(`'${field}.event': an SMS channel has no ${inbound.event} (send a text: STOP, START…)`);
    const params = new URLSearchParams({
      MessageSid: `SM${engine.newId()}`,
      From: inbound.from,
      To: channel.from ?? '',
      Body: inbound.text,
    });
    const { default_country } = await cachedSettings(engine);
    await receiveInboundEvents(engine, channel, [smsInboundEvent(params, default_country)]);
    return;
  }
  if (channel.type !== 'line')
    throw new ScenarioError(`'${field}.channel': inbound steps come on LINE and SMS channels, not ${channel.type}`);
  const common = {
    mode: 'active' as const,
    timestamp: engine.clock.now(),
    source: { type: 'user' as const, userId: inbound.from },
    webhookEventId: engine.newId(),
    deliveryContext: { isRedelivery: false },
  };
  const event =
    'text' in inbound
      ? {
          ...common,
          type: 'message' as const,
          replyToken: engine.newId(),
          message: { type: 'text' as const, id: engine.newId(), text: inbound.text, quoteToken: '' },
        }
      : { ...common, type: inbound.event };
  const { events, ignored } = lineInboundEvents([event as webhook.Event]);
  await receiveInboundEvents(engine, channel, events, ignored);
}

/** Moves the virtual clock to `target`, stopping at every instant something falls due to do it then. */
async function runUntil(_engine: Engine, worker: CampaignWorker, clock: ManualClock, target: number): Promise<void> {
  let { next } = await worker.runDueAndPeek();
  while (next !== null && next <= target) {
    clock.set(Math.max(next, clock.now()));
    ({ next } = await worker.runDueAndPeek());
  }
  clock.set(Math.max(target, clock.now()));
}

async function outcomeLines(engine: Engine): Promise<OutcomeLine[]> {
  const rows = await engine.store.read((r) => r.campaigns.allTimeline());
  const userIds = [...new Set(rows.map((r) => r.user_id))];
  const users = await engine.store.read((r) => r.loadUsers({ ...emptyUserKeys(), ids: userIds }));
  const names = new Map(users.map((u) => [u.id, u.external_id ?? u.id]));
  const others = new Map(
    users.map((u) => [u.id, [u.line_id, u.phone, u.email].filter((v): v is string => v !== null)]),
  );
  // Details come first so that they can never overwrite the line's own fields.
  return rows.map((row) => ({
    ...row.details,
    at: new Date(row.at).toISOString(),
    user: names.get(row.user_id) ?? row.user_id,
    user_id: row.user_id,
    campaign: row.campaign_id,
    outcome: row.outcome,
    ...(row.reason ? { reason: row.reason } : {}),
    [OTHER_IDENTIFIERS]: others.get(row.user_id) ?? [],
  }));
}

/** The expectations no output line meets. */
export function unmetExpectations(lines: OutcomeLine[], expectations: Expectation[]): Expectation[] {
  return expectations.filter((expected) => {
    const at = expected.at === undefined ? null : resolveAt(expected.at, 0);
    const matching = lines.filter(
      (line) =>
        line.campaign === expected.campaign &&
        (line.user === expected.user ||
          line.user_id === expected.user ||
          line[OTHER_IDENTIFIERS]?.includes(expected.user) === true) &&
        line.outcome === expected.outcome &&
        (expected.reason === undefined || line.reason === expected.reason) &&
        (at === null || Date.parse(line.at) === at),
    );
    return expected.count === undefined ? matching.length === 0 : matching.length !== expected.count;
  });
}
