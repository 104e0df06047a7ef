import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord } from '../core/api-key.ts';
import type { Engine } from './engine.ts';

/** Braze's permission names, plus `admin` for everything under /v1. */
export const PERMISSIONS = [
  'users.track',
  'users.alias.new',
  'users.identify',
  'users.delete',
  'users.export.ids',
  'subscription.status.set',
  'campaigns.trigger.send',
  'content_blocks.create',
  'content_blocks.update',
  'content_blocks.list',
  'content_blocks.info',
  'admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ENV_ADMIN_KEY_ID = 'env-admin';

/**
 * Keys are 256 random bits, so a plain SHA-256 is enough to store them safely (a slow password
 * hash protects guessable secrets, which these are not) and lets a request find its key by index.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `tdg_${randomBytes(32).toString('base64url')}`;
}

export function allows(key: ApiKeyRecord, permission: Permission): boolean {
  return key.permissions.includes(permission) || key.permissions.includes('admin');
}

export async function createApiKey(
  engine: Engine,
  name: string,
  permissions: Permission[],
): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = generateApiKey();
  const record: ApiKeyRecord = {
    id: engine.newId(),
    name,
    hash: hashApiKey(key),
    permissions,
    created_at: engine.clock.now(),
  };
  await engine.store.transaction((tx) => tx.insertApiKey(record));
  return { record, key };
}

export async function authenticate(engine: Engine, key: string): Promise<ApiKeyRecord | null> {
  const hash = hashApiKey(key);
  const found = await engine.caches.apiKeys.get(hash, () =>
    engine.store.read((reader) => reader.findApiKeyByHash(hash)),
  );
  // An unknown key is not remembered, so that a key created by another process works at once.
  if (!found) engine.caches.apiKeys.delete((_, cachedHash) => cachedHash === hash);
  return found;
}

/** Revokes a key; false when there is none with that id. */
export async function deleteApiKey(engine: Engine, id: string): Promise<boolean> {
  try {
    return await engine.store.transaction((tx) => tx.deleteApiKey(id));
  } finally {
    engine.caches.apiKeys.delete((record) => record?.id === id);
  }
}

/**
 * On start: with TIDINGS_ADMIN_KEY set, that key is the admin key; otherwise an empty database
 * gets a new admin key, returned so that it can be printed once.
 */
export async function ensureAdminKey(engine: Engine, envKey: string | undefined): Promise<string | null> {
  try {
    return await replaceAdminKey(engine, envKey);
  } finally {
    engine.caches.apiKeys.clear();
  }
}

function replaceAdminKey(engine: Engine, envKey: string | undefined): Promise<string | null> {
  return engine.store.transaction(async (tx) => {
    if (envKey) {
      const hash = hashApiKey(envKey);
      if (!(await tx.findApiKeyByHash(hash))) {
        await tx.deleteApiKey(ENV_ADMIN_KEY_ID);
        await tx.insertApiKey({
          id: ENV_ADMIN_KEY_ID,
          name: 'admin (TIDINGS_ADMIN_KEY)',
          hash,
          permissions: ['admin'],
          created_at: engine.clock.now(),
        });
      }
      return null;
    }
    if ((await tx.listApiKeys()).length > 0) return null;
    const key = generateApiKey();
    await tx.insertApiKey({
      id: engine.newId(),
      name: 'admin (first start)',
      hash: hashApiKey(key),
      permissions: ['admin'],
      created_at: engine.clock.now(),
    });
    return key;
  });
}
