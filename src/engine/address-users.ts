import type { AddressField } from '../channels/channel-module.ts';
import { emptyUserKeys, type UserKeys } from '../core/identifiers.ts';
import { newUserRecord, type UserRecord } from '../core/user.ts';
import type { StoreTx } from '../store/store.ts';
import type { Engine } from './engine.ts';

/** Which key of a profile load finds each address field. */
const KEYS: Record<AddressField, keyof Omit<UserKeys, 'aliases'>> = {
  line_id: 'lineIds',
  phone: 'phones',
  email: 'emails',
};

/**
 * The profiles of these senders (named by a channel's address field: a LINE user id, a phone
 * number in E.164…), in the caller's transaction: found by their address (several
 * profiles may share one: the most recently updated answers), or created with that address and
 * the alias `{alias_label: KIND, alias_name: ADDRESS}` (Braze drops unknown senders; we keep
 * them). Returns them by address, and how many it created.
 */
export async function findOrCreateByAddress(
  engine: Engine,
  tx: StoreTx,
  kind: AddressField,
  addresses: string[],
  now: number,
): Promise<{ users: Map<string, UserRecord>; created: number }> {
  const users = new Map<string, UserRecord>();
  if (addresses.length === 0) return { users, created: 0 };
  const wanted = [...new Set(addresses)];
  const keys = { ...emptyUserKeys(), [KEYS[kind]]: wanted };
  // Oldest first, so that the most recently updated profile of an address is the one kept.
  for (const user of (await tx.loadUsers(keys)).sort((a, b) => a.updated_at - b.updated_at)) {
    const address = user[kind];
    if (address !== null && wanted.includes(address)) users.set(address, user);
  }
  const created: UserRecord[] = [];
  for (const address of wanted) {
    if (users.has(address)) continue;
    const user = newUserRecord(engine.newId(), now);
    user[kind] = address;
    user.aliases = [{ alias_label: kind, alias_name: address }];
    created.push(user);
    users.set(address, user);
  }
  if (created.length > 0) {
    await tx.insertUsers(created);
    await tx.insertAliases(created.map((u) => ({ alias_label: kind, alias_name: u[kind]!, user_id: u.id })));
  }
  return { users, created: created.length };
}
