import type { LookupFunction } from 'node:net';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../channels/provider-call.ts';
import { DEFAULT_SECRET_ENV, readableSecretEnv } from '../channels/secret-env.ts';

/**
 * What an operator sets from outside (the environment, in the server) that the engine acts on.
 * It is read once, where the process starts (`configFromEnv`), and handed to `createEngine`; the
 * engine never reads `process.env` itself, so tests and simulations choose their own.
 */
export interface EngineConfig {
  /**
   * Where a secret given as `{"env": "NAME"}` is read from: only the variables `secretEnv`
   * allows (configFromEnv keeps no others).
   */
  env: Readonly<Record<string, string | undefined>>;
  /** The variables a secret may name (`TIDINGS_SECRET_ENV`: names, or prefixes ending in `*`); others are a 400. */
  secretEnv: readonly string[];
  /** How long a provider call may take before it counts as a timeout (`TIDINGS_PROVIDER_TIMEOUT_MS`). */
  providerTimeoutMs: number;
  /**
   * Whether provider and webhook calls may reach loopback, private and link-local addresses
   * (`TIDINGS_ALLOW_PRIVATE_NETWORK=1`); off, they are refused (`destination_not_allowed`).
   */
  allowPrivateNetwork: boolean;
  /** Hosts calls may reach whatever they resolve to (`TIDINGS_ALLOWED_HOSTS=host1,*.corp.example`). */
  allowedHosts: readonly string[];
  /** How provider hosts are resolved: `dns.lookup` unless a test injects a resolver. */
  lookup?: LookupFunction;
}

export const DEFAULT_CONFIG: EngineConfig = {
  env: {},
  secretEnv: DEFAULT_SECRET_ENV,
  providerTimeoutMs: DEFAULT_PROVIDER_TIMEOUT_MS,
  allowPrivateNetwork: false,
  allowedHosts: [],
};

/** The configuration of a process, from its environment. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): EngineConfig {
  const secretEnv = listOf(env.TIDINGS_SECRET_ENV);
  const allowed = secretEnv.length > 0 ? secretEnv : DEFAULT_SECRET_ENV;
  return {
    env: readableSecretEnv(env, allowed),
    secretEnv: allowed,
    providerTimeoutMs: providerTimeoutMs(env),
    allowPrivateNetwork: ['1', 'true'].includes((env.TIDINGS_ALLOW_PRIVATE_NETWORK ?? '').toLowerCase()),
    allowedHosts: listOf(env.TIDINGS_ALLOWED_HOSTS),
  };
}

/** `TIDINGS_PROVIDER_TIMEOUT_MS` when it is a positive integer, else DEFAULT_PROVIDER_TIMEOUT_MS. */
export function providerTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const value = Number(env.TIDINGS_PROVIDER_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_PROVIDER_TIMEOUT_MS;
}

/** A comma-separated list, its items trimmed, empty ones dropped. */
function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
