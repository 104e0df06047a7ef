/** Builders for the journey tests: plain data, no IO. */
import type { Message } from '../../../src/schemas/content.ts';
import type { UserRecord } from '../../../src/core/user.ts';
import { systemEvent, type EventRecord } from '../../../src/core/event.ts';
import { advance, type AdvanceInput, type Advanced, type Effect } from '../../../src/core/journeys/advance.ts';
import {
  newInstance,
  type JourneyDefinition,
  type JourneyInstance,
  type Step,
} from '../../../src/core/journeys/journey.ts';
import type { Occurrence } from '../../../src/core/campaigns/triggers.ts';
import { counter, NOW, user } from '../fixtures.ts';

export const text = (body: string): Message => ({ channel: 'line-main', default: { type: 'text', text: body } });

export function journey(steps: Record<string, Step>, first_step = Object.keys(steps)[0]!): JourneyDefinition {
  return { id: 'canvas-1', version: 3, first_step, steps };
}

/** One user's instance driven through a sequence of inputs at chosen instants. */
export class Driver {
  instance: JourneyInstance;
  now: number;
  readonly definition: JourneyDefinition;
  profile: UserRecord;
  companyTimeZone = 'UTC';
  private readonly ids = counter('event');

  constructor(definition: JourneyDefinition, profile: UserRecord = user('u-1'), now = NOW) {
    this.definition = definition;
    this.profile = profile;
    this.now = now;
    this.instance = newInstance(definition, { id: 'i-1', user_id: profile.id, now, context: { source: 'test' } });
  }

  at(instant: number | string): this {
    this.now = typeof instant === 'string' ? Date.parse(instant) : instant;
    return this;
  }

  step(input: AdvanceInput): Effect[] {
    const result: Advanced = advance(this.definition, this.instance, input, {
      now: this.now,
      companyTimeZone: this.companyTimeZone,
      user: this.profile,
      audience: { segments: new Map(), lastReceivedAt: () => null, now: this.now },
    });
    this.instance = result.instance;
    return result.effects;
  }

  enter = () => this.step({ kind: 'enter' });
  timer = () => this.step({ kind: 'timer_due' });
  outcome = (outcome: 'sent' | 'suppressed' | 'failed') => this.step({ kind: 'message_outcome', outcome });
  act = (occurrence: Occurrence) => this.step({ kind: 'action', occurrence });
  inbound = (body: string, channel_type = 'line') =>
    this.act(this.event('inbound_message', { channel_type, text: body }));
  custom = (name: string, properties = {}) => this.act({ kind: 'event', event: this.apiEvent(name, properties) });

  event(name: string, properties: Record<string, string | number>): Occurrence {
    return { kind: 'event', event: systemEvent({ now: this.now, newId: this.ids }, this.profile.id, name, properties) };
  }

  apiEvent(name: string, properties: Record<string, string | number>): EventRecord {
    return { ...systemEvent({ now: this.now, newId: this.ids }, this.profile.id, name, properties), source: 'api' };
  }
}

/** The effects in one line each, so a failure reads as a story. */
export function story(effects: Effect[]): string[] {
  return effects.map((e) => {
    switch (e.type) {
      case 'record':
        if (e.outcome === 'path') return `path ${e.step} ${e.path}`;
        if (e.outcome === 'exited' || e.outcome === 'suppressed') return `${e.outcome} ${e.step} ${e.reason}`;
        return `${e.outcome} ${e.step}`;
      case 'send_message':
        return `send ${e.step} ${e.message.default.type === 'text' ? e.message.default.text : e.message.default.type}`;
      case 'wait_until':
        return `wait ${e.step} until ${new Date(e.at).toISOString()}`;
      case 'wait_for_action':
        return `listen ${e.step} [${e.groups.map((g) => g.id).join(',')}] until ${new Date(e.until).toISOString()}`;
      case 'cancel_wait':
        return `cancel ${e.step}`;
      case 'apply_user_update':
        return `update ${e.step} ${JSON.stringify(e.update)}`;
    }
  });
}
