import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../channels/provider-call.ts';

/**
 * What an operator sets from outside (the environment, in the server) that the engine acts on.
 * It is read once, where the process starts (`configFromEnv`), and handed to `createEngine`; the
 * engine never reads `process.env` itself, so tests and simulations choose their own.
 */
export interface EngineConfig {
  /** Where a secret given as `{"env": "NAME"}` is read from. */
  env: Readonly<Record<string, string | undefined>>;
  /** How long a provider call may take before it counts as a timeout (`TIDINGS_PROVIDER_TIMEOUT_MS`). */
  providerTimeoutMs: number;
}

export const DEFAULT_CONFIG: EngineConfig = { env: {}, providerTimeoutMs: DEFAULT_PROVIDER_TIMEOUT_MS };

/** The configuration of a process, from its environment. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): EngineConfig {
  return { env, providerTimeoutMs: providerTimeoutMs(env) };
}

/** `TIDINGS_PROVIDER_TIMEOUT_MS` when it is a positive integer, else DEFAULT_PROVIDER_TIMEOUT_MS. */
export function providerTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const value = Number(env.TIDINGS_PROVIDER_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_PROVIDER_TIMEOUT_MS;
}
