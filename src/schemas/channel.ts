import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Slug } from './common.ts';

/** A credential written inline, or the name of the environment variable that holds it. */
export const SecretSchema = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object(
      { env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'an environment variable name' }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'a string, or {"env": "NAME"} to read the environment variable NAME' },
);
export type Secret = Static<typeof SecretSchema>;

// Absent and null mean the same thing ("messaging_service_sid": null in the spec's example).
const optional = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const HttpUrl = (description: string) => Type.String({ pattern: '^https?://', maxLength: 2048, description });
const sandbox = {
  sandbox: Type.Optional(Type.Boolean({ description: 'deliver into the sandbox inbox instead of the provider' })),
};
const subscriptionGroup = { subscription_group: optional(Slug) };

export const LineChannel = Type.Object(
  {
    id: Slug,
    type: Type.Literal('line'),
    channel_secret: optional(SecretSchema),
    channel_access_token: optional(SecretSchema),
    ...subscriptionGroup,
    api_base_url: optional(HttpUrl('default https://api.line.me')),
    ...sandbox,
  },
  { additionalProperties: false },
);

export const TwilioSmsChannel = Type.Object(
  {
    id: Slug,
    type: Type.Literal('twilio_sms'),
    account_sid: optional(SecretSchema),
    auth_token: optional(SecretSchema),
    from: optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'an E.164 number, short code or alphanumeric sender id',
      }),
    ),
    messaging_service_sid: optional(Type.String({ pattern: '^MG[0-9a-fA-F]{32}$' })),
    ...subscriptionGroup,
    api_base_url: optional(HttpUrl('default https://api.twilio.com')),
    ...sandbox,
  },
  { additionalProperties: false },
);

export const SmtpChannel = Type.Object(
  {
    id: Slug,
    type: Type.Literal('smtp'),
    host: optional(Type.String({ minLength: 1, maxLength: 255 })),
    port: optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    secure: optional(
      Type.Boolean({ description: 'implicit TLS (port 465); false upgrades with STARTTLS when offered' }),
    ),
    user: optional(SecretSchema),
    password: optional(SecretSchema),
    from: optional(Type.String({ minLength: 1, maxLength: 998, description: 'e.g. "Shop <news@example.com>"' })),
    ...subscriptionGroup,
    ...sandbox,
  },
  { additionalProperties: false },
);

export const WEBHOOK_METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;
export type WebhookMethod = (typeof WEBHOOK_METHODS)[number];

export const WebhookChannel = Type.Object(
  {
    id: Slug,
    type: Type.Literal('webhook'),
    url: HttpUrl('where the request goes unless the content names another URL'),
    method: optional(Type.Union(WEBHOOK_METHODS.map((m) => Type.Literal(m)))),
    headers: optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    secret_headers: optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        maxItems: 100,
        description:
          'more header names whose values are secrets (Authorization, Proxy-Authorization, Cookie and X-Api-Key always are)',
      }),
    ),
    url_hosts: optional(
      Type.Array(
        Type.String({
          pattern: '^(\\*|(\\*\\.)?[A-Za-z0-9][A-Za-z0-9.-]*)$',
          maxLength: 253,
          description: 'a host name, *.example.com for any name under it, or * for any host',
        }),
        { maxItems: 100, description: 'the hosts a content URL may go to besides the channel URL’s own' },
      ),
    ),
    ...sandbox,
  },
  { additionalProperties: false },
);

export const SandboxChannel = Type.Object({ id: Slug, type: Type.Literal('sandbox') }, { additionalProperties: false });

export const ChannelSchema = Type.Union([LineChannel, TwilioSmsChannel, SmtpChannel, WebhookChannel, SandboxChannel], {
  $id: 'Channel',
  description: 'a configured connection to a provider: line, twilio_sms, smtp, webhook or sandbox',
});
export type Channel = Static<typeof ChannelSchema>;
export type ChannelType = Channel['type'];
export type ChannelOf<T extends ChannelType> = Extract<Channel, { type: T }>;

/** The secret's value: inline, or read from `env`; undefined when absent or the variable is unset or empty. */
export function resolveSecret(
  secret: Secret | null | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  if (secret === null || secret === undefined) return undefined;
  const value = typeof secret === 'string' ? secret : env[secret.env];
  return value === '' ? undefined : value;
}

/** The channel fields that hold credentials: write-only, masked when a channel is read back. */
export const SECRET_FIELDS = [
  'channel_secret',
  'channel_access_token',
  'account_sid',
  'auth_token',
  'user',
  'password',
] as const;

/** Webhook header names whose values are always secrets (compared without regard to case). */
export const SECRET_HEADER_NAMES = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'] as const;

/**
 * Whether a webhook channel's header holds a secret: one of SECRET_HEADER_NAMES or listed in its
 * `secret_headers`. Such headers are masked when read, and kept out of the payload (the outbox,
 * `/v1/messages`, the sandbox, the timeline): the sender adds them when it calls.
 */
export function isSecretHeader(channel: ChannelOf<'webhook'>, name: string): boolean {
  const lower = name.toLowerCase();
  return (
    (SECRET_HEADER_NAMES as readonly string[]).includes(lower) ||
    (channel.secret_headers ?? []).some((listed) => listed.toLowerCase() === lower)
  );
}

/** A webhook channel's headers that hold secrets, or those that do not. */
export function channelHeaders(channel: ChannelOf<'webhook'>, secret: boolean): Record<string, string> {
  return Object.fromEntries(
    Object.entries(channel.headers ?? {}).filter(([name]) => isSecretHeader(channel, name) === secret),
  );
}

/** What GET shows instead of a secret written inline; PUT it back and the stored secret stays. */
export const MASKED_SECRET = '********';

/**
 * The channel as the API shows it: inline secrets and secret webhook headers masked;
 * `{"env": NAME}` references, which hold no secret, as written.
 */
export function maskSecrets(channel: Channel): Channel {
  const shown: Record<string, unknown> = { ...channel };
  for (const field of SECRET_FIELDS) if (typeof shown[field] === 'string') shown[field] = MASKED_SECRET;
  if (channel.type === 'webhook' && channel.headers)
    shown.headers = Object.fromEntries(
      Object.entries(channel.headers).map(([name, value]) => [
        name,
        isSecretHeader(channel, name) ? MASKED_SECRET : value,
      ]),
    );
  return shown as Channel;
}

/**
 * A channel about to be stored, with each masked secret replaced by the one stored before (a
 * document read with GET and written back keeps its credentials). Returns the fields that hold
 * the mask with nothing stored to keep.
 */
export function keepMaskedSecrets(
  channel: Channel,
  stored: Channel | undefined,
): { channel: Channel; unknown: string[] } {
  const kept: Record<string, unknown> = { ...channel };
  const before = (stored ?? {}) as Record<string, unknown>;
  const unknown: string[] = [];
  for (const field of SECRET_FIELDS) {
    if (kept[field] !== MASKED_SECRET) continue;
    if (typeof before[field] === 'string' && before[field] !== MASKED_SECRET) kept[field] = before[field];
    else unknown.push(field);
  }
  if (channel.type === 'webhook' && channel.headers) {
    // Header names are case-insensitive: the stored value of the same name, in any case, is kept.
    const storedHeaders = stored?.type === 'webhook' ? Object.entries(stored.headers ?? {}) : [];
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(channel.headers)) {
      if (value !== MASKED_SECRET || !isSecretHeader(channel, name)) {
        headers[name] = value;
        continue;
      }
      const previous = storedHeaders.find(([n, v]) => n.toLowerCase() === name.toLowerCase() && v !== MASKED_SECRET);
      if (previous) headers[name] = previous[1];
      else {
        headers[name] = value;
        unknown.push(`headers.${name}`);
      }
    }
    kept.headers = headers;
  }
  return { channel: kept as Channel, unknown };
}
