import { emptyUserKeys } from '../core/identifiers.ts';
import { newUserRecord, type UserRecord } from '../core/user.ts';
import type { StoreTx } from '../store/store.ts';
import type { Engine } from './engine.ts';

/**
 * The profiles of these LINE user ids, in the caller's transaction: found by `line_id`, or created
 * with that `line_id` and the alias `{alias_label: "line_id", alias_name: ID}`. Returns them by
 * LINE id, and how many it created.
 */
export async function findOrCreateLineUsers(engine: Engine, tx: StoreTx, lineIds: string[], now: number): Promise<{ users: Map<string, UserRecord>; created: number }> {
  const users = new Map<string, UserRecord>();
  if (lineIds.length === 0) return { users, created: 0 };
  for (const user of await tx.loadUsers({ ...emptyUserKeys(), lineIds })) if (user.line_id) users.set(user.line_id, user);
  const created: UserRecord[] = [];
  for (const lineId of new Set(lineIds)) {
    if (users.has(lineId)) continue;
    const user = newUserRecord(engine.newId(), now);
    user.line_id = lineId;
    user.aliases = [{ alias_label: 'line_id', alias_name: lineId }];
    created.push(user);
    users.set(lineId, user);
  }
  if (created.length > 0) {
    await tx.insertUsers(created);
    await tx.insertAliases(created.map((u) => ({ alias_label: 'line_id', alias_name: u.line_id!, user_id: u.id })));
  }
  return { users, created: created.length };
}
