import { Type, type Static } from '@sinclair/typebox';

/** `2026-03-06T08:00:00Z`, or `+90s` / `+10m` / `+2h` / `+3d` after the previous step. */
const At = Type.String({
  minLength: 1,
  description: 'an ISO 8601 instant, or +N followed by s, m, h or d after the previous step',
});

/** A message or a (un)follow arriving on a channel, as its provider's webhook would bring it. */
const Inbound = Type.Union([
  Type.Object(
    { channel: Type.String({ minLength: 1 }), from: Type.String({ minLength: 1 }), text: Type.String() },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      channel: Type.String({ minLength: 1 }),
      from: Type.String({ minLength: 1 }),
      event: Type.Union([Type.Literal('follow'), Type.Literal('unfollow')]),
    },
    { additionalProperties: false },
  ),
]);
export type InboundStep = Static<typeof Inbound>;

const Step = Type.Union([
  Type.Object(
    { at: At, track: Type.Record(Type.String(), Type.Unknown(), { description: 'a /users/track body' }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      at: At,
      trigger_send: Type.Record(Type.String(), Type.Unknown(), { description: 'a /campaigns/trigger/send body' }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ at: At, inbound: Inbound }, { additionalProperties: false }),
]);

const Expectation = Type.Object(
  {
    campaign: Type.String({ minLength: 1 }),
    user: Type.String({
      minLength: 1,
      description: 'external id, internal id, or the line_id, phone or email of a user without an external id',
    }),
    outcome: Type.String({ minLength: 1 }),
    reason: Type.Optional(Type.String({ minLength: 1 })),
    at: Type.Optional(Type.String({ minLength: 1 })),
    count: Type.Optional(Type.Integer({ minimum: 0, description: 'how many such lines; default at least one' })),
  },
  { additionalProperties: false },
);
export type Expectation = Static<typeof Expectation>;

export const ScenarioSchema = Type.Object(
  {
    start: Type.String({ minLength: 1, description: 'where the virtual clock starts (ISO 8601)' }),
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    definitions: Type.Optional(
      Type.Union([
        Type.Record(Type.String(), Type.Unknown()),
        Type.String({ description: 'a folder of definition files' }),
      ]),
    ),
    steps: Type.Array(Step),
    until: Type.Optional(At),
    expect: Type.Optional(Type.Array(Expectation)),
  },
  { additionalProperties: false },
);
export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioStep = Scenario['steps'][number];

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An `at` value as an instant; null when it does not parse. */
export function resolveAt(at: string, previous: number): number | null {
  const relative = /^\+(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(at.trim());
  if (relative) return previous + Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  if (!/^\d{4}-\d{2}-\d{2}T/.test(at)) return null;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? null : ms;
}
