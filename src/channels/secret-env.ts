import type { FieldProblem } from '../core/errors.ts';
import { SECRET_FIELDS, type Channel } from '../schemas/channel.ts';

/**
 * Which environment variables a `{"env": "NAME"}` secret may read (`TIDINGS_SECRET_ENV`): names,
 * or prefixes ending in `*`. Anything else (the admin key, the database URL) stays out of reach
 * of whoever may write channels.
 */
export const DEFAULT_SECRET_ENV: readonly string[] = ['TIDINGS_SECRET_*'];

/** Whether `name` is one of the allowed names, or starts with an allowed prefix. */
export function secretEnvAllows(allowed: readonly string[], name: string): boolean {
  return allowed.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name));
}

/** The variables of `env` a secret may read; the others are not even kept. */
export function readableSecretEnv(
  env: Readonly<Record<string, string | undefined>>,
  allowed: readonly string[],
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => secretEnvAllows(allowed, name)));
}

/**
 * The secrets of channels being saved that name a variable they may not read, each as a
 * problem on `channels[i].field`.
 */
export function unlistedSecretEnv(channels: readonly Channel[], allowed: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [index, channel] of channels.entries()) {
    const fields = channel as Record<string, unknown>;
    for (const field of SECRET_FIELDS) {
      const name = (fields[field] as { env?: unknown } | null | undefined)?.env;
      if (typeof name === 'string' && !secretEnvAllows(allowed, name))
        problems.push({
          field: `channels[${index}].${field}`,
          message: `reads the environment variable ${name}, which TIDINGS_SECRET_ENV does not allow (allowed: ${allowed.join(', ')})`,
        });
    }
  }
  return problems;
}
