import {
  describeRef,
  emptyUserKeys,
  keysForRefs,
  normalizeEmail,
  pickSharedProfile,
  UserIndex,
  type UserRef,
} from '../core/identifiers.ts';
import type { ItemError } from '../core/item-error.ts';
import { MAX_CUSTOM_ATTRIBUTES } from '../core/attributes.ts';
import { mergeProfiles, prioritize, type Prioritization } from '../core/merge.ts';
import { normalizePhone } from '../core/phone.ts';
import { aliasKey, newUserRecord, type UserAlias, type UserRecord } from '../core/user.ts';
import type { StoreReader, StoreTx } from '../store/store.ts';
import { liveDefinitions } from './campaigns/definitions.ts';
import { cancelRedundantPending } from './campaigns/merged-pending.ts';
import { changeSubscriptions } from './subscription-change.ts';
import { loadSettings, type Engine } from './engine.ts';
import { TidingsError } from '../core/errors.ts';

async function findOne(reader: StoreReader, ref: UserRef): Promise<UserRecord | undefined> {
  return new UserIndex(await reader.loadUsers(keysForRefs([ref]))).resolve(ref);
}

/** Every profile with this email or phone (several may share one). */
async function findAllSharing(reader: StoreReader, kind: 'email' | 'phone', value: string): Promise<UserRecord[]> {
  const keys = emptyUserKeys();
  (kind === 'email' ? keys.emails : keys.phones).push(value);
  return (await reader.loadUsers(keys)).filter((u) => u[kind] === value);
}

// ---- /users/alias/new ------------------------------------------------------------------------

export interface NewAlias extends UserAlias {
  external_id?: string;
}

export function addAliases(engine: Engine, aliases: NewAlias[]): Promise<{ processed: number; errors: ItemError[] }> {
  return engine.store.transaction(async (tx) => {
    const errors: ItemError[] = [];
    let processed = 0;
    for (const [index, entry] of aliases.entries()) {
      const alias = { alias_label: entry.alias_label, alias_name: entry.alias_name };
      const reject = (type: string) => errors.push({ type, input_array: 'user_aliases', index });
      const owner = await findOne(tx, { kind: 'user_alias', alias });
      if (owner) {
        reject(`${describeRef({ kind: 'user_alias', alias })} already belongs to user ${owner.id}`);
        continue;
      }
      let userId: string;
      if (entry.external_id === undefined) {
        const user = newUserRecord(engine.newId(), engine.clock.now());
        await tx.insertUsers([user]);
        userId = user.id;
      } else {
        const user = await findOne(tx, { kind: 'external_id', value: entry.external_id });
        if (!user) {
          reject(`no user has external_id '${entry.external_id}'`);
          continue;
        }
        if (user.aliases.some((a) => a.alias_label === alias.alias_label)) {
          reject(
            `user '${entry.external_id}' already has an alias with label '${alias.alias_label}' (one alias per label)`,
          );
          continue;
        }
        user.updated_at = engine.clock.now();
        await tx.updateUsers([user]);
        userId = user.id;
      }
      await tx.insertAliases([{ ...alias, user_id: userId }]);
      processed += 1;
    }
    return { processed, errors };
  });
}

// ---- /users/identify -------------------------------------------------------------------------

export interface IdentifyRequest {
  aliases_to_identify?: Array<{ external_id: string; user_alias: UserAlias }>;
  emails_to_identify?: Array<{ external_id: string; email: string; prioritization?: Prioritization[] }>;
  phone_numbers_to_identify?: Array<{ external_id: string; phone: string; prioritization?: Prioritization[] }>;
  merge_behavior?: 'none' | 'merge';
}

export interface IdentifyResult {
  aliases_processed: number;
  emails_processed: number;
  phone_numbers_processed: number;
  errors: ItemError[];
  /** Items that were merged with custom attributes left out (the profile was full). */
  notes: ItemError[];
}

const DEFAULT_PRIORITIZATION: Prioritization[] = ['unidentified', 'most_recently_updated'];

/**
 * Gives an unidentified profile (found by alias, email or phone) an external_id: written onto it
 * when no profile has that external_id yet, otherwise merged into the profile that has it.
 */
export function identify(engine: Engine, request: IdentifyRequest): Promise<IdentifyResult> {
  return engine.store.transaction(async (tx) => {
    const settings = await loadSettings(tx);
    const result: IdentifyResult = {
      aliases_processed: 0,
      emails_processed: 0,
      phone_numbers_processed: 0,
      errors: [],
      notes: [],
    };
    const keepAttributes = request.merge_behavior !== 'none';
    const noter = (input_array: string, index: number) => (type: string) =>
      result.notes.push({ type, input_array, index });

    for (const [index, item] of (request.aliases_to_identify ?? []).entries()) {
      const ref: UserRef = { kind: 'user_alias', alias: item.user_alias };
      const source = await findOne(tx, ref);
      const error = source
        ? await identifyProfile(tx, engine, source, item.external_id, keepAttributes, item.user_alias.alias_label, {
            note: noter('aliases_to_identify', index),
          })
        : `no user has ${describeRef(ref)}`;
      if (error) result.errors.push({ type: error, input_array: 'aliases_to_identify', index });
      else result.aliases_processed += 1;
    }
    for (const [index, item] of (request.emails_to_identify ?? []).entries()) {
      const email = normalizeEmail(item.email);
      const error = email
        ? await identifyShared(
            tx,
            engine,
            'email',
            email,
            item.external_id,
            item.prioritization ?? DEFAULT_PRIORITIZATION,
            keepAttributes,
            noter('emails_to_identify', index),
          )
        : `'email' is not an email address: '${item.email}'`;
      if (error) result.errors.push({ type: error, input_array: 'emails_to_identify', index });
      else result.emails_processed += 1;
    }
    for (const [index, item] of (request.phone_numbers_to_identify ?? []).entries()) {
      const phone = normalizePhone(item.phone, settings.default_country);
      const error = phone.ok
        ? await identifyShared(
            tx,
            engine,
            'phone',
            phone.e164,
            item.external_id,
            item.prioritization ?? DEFAULT_PRIORITIZATION,
            keepAttributes,
            noter('phone_numbers_to_identify', index),
          )
        : `'phone' ${phone.reason}`;
      if (error) result.errors.push({ type: error, input_array: 'phone_numbers_to_identify', index });
      else result.phone_numbers_processed += 1;
    }
    return result;
  });
}

async function identifyShared(
  tx: StoreTx,
  engine: Engine,
  kind: 'email' | 'phone',
  value: string,
  externalId: string,
  prioritization: Prioritization[],
  keepAttributes: boolean,
  note: (message: string) => void,
): Promise<string | null> {
  const candidates = (await findAllSharing(tx, kind, value)).filter((u) => u.external_id !== externalId);
  const picked = prioritize(candidates, prioritization);
  if (picked.length === 0) return `no unidentified user has ${kind} '${value}'`;
  if (picked.length > 1) return `${picked.length} users have ${kind} '${value}'; add a prioritization that picks one`;
  return identifyProfile(tx, engine, picked[0]!, externalId, keepAttributes, null, { note });
}

async function identifyProfile(
  tx: StoreTx,
  engine: Engine,
  source: UserRecord,
  externalId: string,
  keepAttributes: boolean,
  aliasLabel: string | null,
  { note }: { note: (message: string) => void },
): Promise<string | null> {
  const now = engine.clock.now();
  if (source.external_id === externalId) return null;
  if (source.external_id !== null) return `that user is already identified as '${source.external_id}'`;
  const target = await findOne(tx, { kind: 'external_id', value: externalId });
  if (!target) {
    await tx.updateUsers([{ ...source, external_id: externalId, updated_at: now }]);
    return null;
  }
  if (aliasLabel !== null && target.aliases.some((a) => a.alias_label === aliasLabel)) {
    return `user '${externalId}' already has an alias with label '${aliasLabel}'; nothing was merged`;
  }
  const merged = mergeProfiles(source, target, now, keepAttributes);
  if (!merged.ok) return merged.error;
  await tx.moveUserData(source.id, target.id);
  await cancelRedundantPending(tx, { now, newId: engine.newId }, target.id, source.id);
  await tx.deleteUser(source.id);
  await tx.updateUsers([merged.user]);
  if (merged.dropped.length > 0) note(droppedNote(merged.dropped, externalId));
  return null;
}

/** Names the first few attributes a merge left out; the request's answer stays short. */
function droppedNote(dropped: string[], externalId: string): string {
  const shown = dropped.slice(0, 10).map((key) => `'${key.length > 40 ? `${key.slice(0, 40)}…` : key}'`);
  const more = dropped.length > shown.length ? ` and ${dropped.length - shown.length} more` : '';
  return (
    `merged, but user '${externalId}' may have at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes: ` +
    `${dropped.length} of the merged profile's were left out (${shown.join(', ')}${more})`
  );
}

// ---- /users/delete ---------------------------------------------------------------------------

export interface DeleteRequest {
  external_ids?: string[];
  user_aliases?: UserAlias[];
  braze_ids?: string[];
}

/** Deletes profiles and everything personal attached to them; unknown ones are reported. */
export function deleteUsers(engine: Engine, request: DeleteRequest): Promise<{ deleted: number; errors: ItemError[] }> {
  const targets: Array<{ ref: UserRef; input_array: string; index: number }> = [
    ...(request.external_ids ?? []).map((value, index) => ({
      ref: { kind: 'external_id', value } as UserRef,
      input_array: 'external_ids',
      index,
    })),
    ...(request.user_aliases ?? []).map((alias, index) => ({
      ref: { kind: 'user_alias', alias } as UserRef,
      input_array: 'user_aliases',
      index,
    })),
    ...(request.braze_ids ?? []).map((value, index) => ({
      ref: { kind: 'braze_id', value } as UserRef,
      input_array: 'braze_ids',
      index,
    })),
  ];
  return engine.store.transaction(async (tx) => {
    const index = new UserIndex(await tx.loadUsers(keysForRefs(targets.map((t) => t.ref))));
    const errors: ItemError[] = [];
    const doomed = new Set<string>();
    for (const target of targets) {
      const user = index.resolve(target.ref);
      if (user) doomed.add(user.id);
      else
        errors.push({
          type: `no user has ${describeRef(target.ref)}`,
          input_array: target.input_array,
          index: target.index,
        });
    }
    for (const id of doomed) await tx.deleteUser(id);
    return { deleted: doomed.size, errors };
  });
}

// ---- lookups ---------------------------------------------------------------------------------

export type UserQuery =
  | { external_id: string }
  | { email: string }
  | { phone: string }
  | { line_id: string }
  | { alias_label: string; alias_name: string }
  | { id: string };

/** Every profile the query names; email and phone may name several, best match first. */
export function findUsers(engine: Engine, query: UserQuery): Promise<UserRecord[]> {
  return engine.store.read(async (reader) => {
    const keys = emptyUserKeys();
    let matches: (u: UserRecord) => boolean;
    if ('id' in query) {
      keys.ids.push(query.id);
      matches = (u) => u.id === query.id;
    } else if ('external_id' in query) {
      keys.externalIds.push(query.external_id);
      matches = (u) => u.external_id === query.external_id;
    } else if ('line_id' in query) {
      keys.lineIds.push(query.line_id);
      matches = (u) => u.line_id === query.line_id;
    } else if ('alias_label' in query) {
      keys.aliases.push(query);
      const key = aliasKey(query);
      matches = (u) => u.aliases.some((a) => aliasKey(a) === key);
    } else if ('email' in query) {
      const email = normalizeEmail(query.email) ?? query.email;
      keys.emails.push(email);
      matches = (u) => u.email === email;
    } else {
      const settings = await loadSettings(reader);
      const phone = normalizePhone(query.phone, settings.default_country);
      if (!phone.ok)
        throw new TidingsError('invalid_input', `Invalid 'phone': ${phone.reason}`, [
          { field: 'phone', message: phone.reason },
        ]);
      keys.phones.push(phone.e164);
      matches = (u) => u.phone === phone.e164;
    }
    const users = (await reader.loadUsers(keys)).filter(matches);
    const best = pickSharedProfile(users);
    return best ? [best, ...users.filter((u) => u !== best).sort((a, b) => b.updated_at - a.updated_at)] : [];
  });
}

// ---- /users/export/ids -----------------------------------------------------------------------

export interface ExportRequest {
  external_ids?: string[];
  user_aliases?: UserAlias[];
  braze_id?: string;
  email_address?: string;
  phone?: string;
}

export function exportUsers(
  engine: Engine,
  request: ExportRequest,
): Promise<{ users: UserRecord[]; invalid_user_ids: string[] }> {
  return engine.store.read(async (reader) => {
    const settings = await loadSettings(reader);
    const refs: UserRef[] = [
      ...(request.external_ids ?? []).map((value): UserRef => ({ kind: 'external_id', value })),
      ...(request.user_aliases ?? []).map((alias): UserRef => ({ kind: 'user_alias', alias })),
    ];
    if (request.braze_id !== undefined) refs.push({ kind: 'braze_id', value: request.braze_id });
    const keys = keysForRefs(refs);
    let email: string | null = null;
    let phone: string | null = null;
    if (request.email_address !== undefined) {
      email = normalizeEmail(request.email_address);
      if (email) keys.emails.push(email);
    }
    if (request.phone !== undefined) {
      const parsed = normalizePhone(request.phone, settings.default_country);
      if (parsed.ok) {
        phone = parsed.e164;
        keys.phones.push(phone);
      }
    }
    const loaded = await reader.loadUsers(keys);
    const index = new UserIndex(loaded);
    const found = new Map<string, UserRecord>();
    const invalid: string[] = [];
    for (const ref of refs) {
      const user = index.resolve(ref);
      if (user) found.set(user.id, user);
      else invalid.push(ref.kind === 'user_alias' ? `${ref.alias.alias_label}:${ref.alias.alias_name}` : ref.value);
    }
    // Braze exports every profile that shares the email or phone.
    for (const user of loaded)
      if ((email && user.email === email) || (phone && user.phone === phone)) found.set(user.id, user);
    if (request.email_address !== undefined && !email) invalid.push(request.email_address);
    if (request.phone !== undefined && !phone) invalid.push(request.phone);
    return { users: [...found.values()], invalid_user_ids: invalid };
  });
}

// ---- /subscription/status/set ----------------------------------------------------------------

export interface SubscriptionStatusRequest {
  subscription_group_id: string;
  subscription_state: 'subscribed' | 'unsubscribed';
  external_id?: string | string[];
  email?: string | string[];
  phone?: string | string[];
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Sets one group's state for the named users (every profile sharing an email or phone). Unknown
 * users make the whole request fail with the identifiers named; nothing is written then. Each
 * change fires the `subscription_changed` triggers in the same transaction.
 */
export async function setSubscriptionStatus(engine: Engine, request: SubscriptionStatusRequest): Promise<number> {
  const defs = await liveDefinitions(engine);
  const result = await engine.store.transaction(async (tx) => {
    const settings = await loadSettings(tx);
    const group = await tx.getSubscriptionGroup(request.subscription_group_id);
    if (!group)
      throw new TidingsError(
        'invalid_input',
        `'subscription_group_id' names no subscription group: '${request.subscription_group_id}'`,
        [{ field: 'subscription_group_id', message: 'unknown subscription group' }],
      );

    const problems: Array<{ field: string; message: string }> = [];
    const keys = emptyUserKeys();
    const externalIds = asList(request.external_id);
    keys.externalIds.push(...externalIds);
    const emails = asList(request.email).map((raw, i) => {
      const email = normalizeEmail(raw);
      if (!email) problems.push({ field: `email[${i}]`, message: `not an email address: '${raw}'` });
      return email ?? '';
    });
    const phones = asList(request.phone).map((raw, i) => {
      const phone = normalizePhone(raw, settings.default_country);
      if (!phone.ok) problems.push({ field: `phone[${i}]`, message: phone.reason });
      return phone.ok ? phone.e164 : '';
    });
    keys.emails.push(...emails);
    keys.phones.push(...phones);
    const loaded = await tx.loadUsers(keys);
    const targets = new Map<string, UserRecord>();
    const collect = (field: string, values: string[], matches: (u: UserRecord, v: string) => boolean) => {
      values.forEach((value, i) => {
        if (value === '') return;
        const users = loaded.filter((u) => matches(u, value));
        if (users.length === 0) problems.push({ field: `${field}[${i}]`, message: `no user has ${field} '${value}'` });
        for (const user of users) targets.set(user.id, user);
      });
    };
    collect('external_id', externalIds, (u, v) => u.external_id === v);
    collect('email', emails, (u, v) => u.email === v);
    collect('phone', phones, (u, v) => u.phone === v);
    if (problems.length > 0) {
      throw new TidingsError(
        'invalid_input',
        `Nothing was changed: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        problems,
      );
    }

    const scope = { engine, tx, defs, settings, now: engine.clock.now() };
    const changed = await changeSubscriptions(
      scope,
      [...targets.values()].map((user) => ({
        user,
        groupId: group.id,
        state: request.subscription_state,
        source: 'api' as const,
      })),
    );
    return { targets: targets.size, scheduled: changed.decisions.entries.length > 0 };
  });
  if (result.scheduled) engine.work.notify();
  return result.targets;
}
