import type { Content } from '../schemas/content.ts';
import type { Channel, ChannelType } from '../schemas/channel.ts';
import type { ChannelModule, BuildOptions, BuildPayload, PayloadResult } from './channel-module.ts';
import { channel as line } from './line/index.ts';
import { channel as sandbox } from './sandbox/index.ts';
import { channel as smtp } from './smtp/index.ts';
import { channel as twilioSms } from './twilio-sms/index.ts';
import { channel as webhook } from './webhook/index.ts';

export type { BuildOptions, BuildPayload, PayloadResult } from './channel-module.ts';

/** Every channel type, one line each: what it is lives in its folder's `index.ts`. */
export const CHANNEL_TYPES: { readonly [T in ChannelType]: ChannelModule<T> } = {
  line,
  twilio_sms: twilioSms,
  smtp,
  webhook,
  sandbox,
};

/** A channel module, for code that holds a channel of any type. */
export type AnyChannelModule = ChannelModule<ChannelType>;

/**
 * The module of a channel (or a channel type). TypeScript cannot tie CHANNEL_TYPES[channel.type]
 * to the channel's own member of the union: the module is typed for any channel, and is only ever
 * given channels of its type.
 */
export function moduleOf(channel: Channel | ChannelType): AnyChannelModule {
  const type = typeof channel === 'string' ? channel : channel.type;
  return CHANNEL_TYPES[type] as unknown as AnyChannelModule;
}

/** The modules with webhooks, by the URL segment they are under. */
export function inboundModules(): AnyChannelModule[] {
  return Object.values(CHANNEL_TYPES)
    .map((module) => module as unknown as AnyChannelModule)
    .filter((module) => module.inbound !== undefined);
}

export function buildPayload(
  content: Content,
  recipient: string,
  channel: Channel,
  options: BuildOptions = {},
): PayloadResult {
  const build: BuildPayload<Channel> = moduleOf(channel).buildPayload;
  return build(content, recipient, channel, options);
}

/**
 * Why a content cannot go on a channel type, checked when a definition is saved; null if it can.
 * Only static strings are checked: a string with Liquid markup stands in as a short https URL,
 * which passes every per-field check, and is checked for real once rendered.
 */
export function validateContentForChannel(content: Content, channelType: ChannelType): string | null {
  const result = buildPayload(
    withoutTemplates(content) as Content,
    'validation',
    moduleOf(channelType).validationChannel,
  );
  return result.ok ? null : result.error;
}

const LIQUID = /\{\{|\{%/;
const TEMPLATED_STAND_IN = 'https://t.example';

function withoutTemplates(value: unknown): unknown {
  if (typeof value === 'string') return LIQUID.test(value) ? TEMPLATED_STAND_IN : value;
  if (Array.isArray(value)) return value.map(withoutTemplates);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutTemplates(item)]));
  return value;
}
