import { normalizePhone } from './phone.ts';
import { clip } from './quote.ts';
import { aliasKey, type UserAlias, type UserRecord } from './user.ts';

/** How an API object names its user. */
export type UserRef =
  | { kind: 'external_id'; value: string }
  | { kind: 'user_alias'; alias: UserAlias }
  | { kind: 'braze_id'; value: string }
  | { kind: 'email'; value: string }
  | { kind: 'phone'; value: string };

export type RefResult = { ok: true; ref: UserRef } | { ok: false; error: string };

/** RFC 5321's limit on the length of an address. */
export const MAX_EMAIL_LENGTH = 254;
const WHITESPACE = /\s/;

/**
 * Lower-cased and trimmed when the text has the shape `local@domain.tld` (one `@`, no whitespace,
 * a dot inside the domain), else null. Checked by hand in one pass, after the length: the regular
 * expression it replaces backtracked, taking seconds on `a@` + 60,000 dots + `@`.
 */
export function normalizeEmail(input: string): string | null {
  if (input.length > MAX_EMAIL_LENGTH * 4) return null;
  const email = input.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || WHITESPACE.test(email)) return null;
  const at = email.indexOf('@');
  if (at < 1 || email.indexOf('@', at + 1) !== -1) return null;
  const domain = email.slice(at + 1);
  const dot = domain.indexOf('.', 1);
  return dot > 0 && dot < domain.length - 1 ? email : null;
}

export function describeRef(ref: UserRef): string {
  switch (ref.kind) {
    case 'user_alias':
      return `user_alias ${ref.alias.alias_label}=${ref.alias.alias_name}`;
    default:
      return `${ref.kind} '${ref.value}'`;
  }
}

/**
 * Reads the identifier of a /users/track object. `external_id`, `user_alias` and `braze_id` win;
 * otherwise `email`, then `phone` name the user (Braze: "email wins").
 */
export function refFromObject(item: Record<string, unknown>, defaultCountry: string): RefResult {
  const named = ['external_id', 'user_alias', 'braze_id'].filter((k) => item[k] !== undefined && item[k] !== null);
  if (named.length > 1) {
    return {
      ok: false,
      error: `only one of 'external_id', 'user_alias', 'braze_id' may name the user (got ${named.join(', ')})`,
    };
  }
  if (item.external_id !== undefined && item.external_id !== null) {
    return { ok: true, ref: { kind: 'external_id', value: String(item.external_id) } };
  }
  if (item.user_alias !== undefined && item.user_alias !== null) {
    return { ok: true, ref: { kind: 'user_alias', alias: item.user_alias as UserAlias } };
  }
  if (item.braze_id !== undefined && item.braze_id !== null) {
    return { ok: true, ref: { kind: 'braze_id', value: String(item.braze_id) } };
  }
  if (typeof item.email === 'string') {
    const email = normalizeEmail(item.email);
    if (!email) return { ok: false, error: `'email' is not an email address: '${clip(item.email)}'` };
    return { ok: true, ref: { kind: 'email', value: email } };
  }
  if (typeof item.phone === 'string') {
    const phone = normalizePhone(item.phone, defaultCountry);
    if (!phone.ok) return { ok: false, error: `'phone' ${phone.reason}` };
    return { ok: true, ref: { kind: 'phone', value: phone.e164 } };
  }
  return { ok: false, error: "'external_id' or 'braze_id' or 'user_alias' or 'email' or 'phone' is required" };
}

/** What the store must load so that a set of references can be resolved. */
export interface UserKeys {
  ids: string[];
  externalIds: string[];
  aliases: UserAlias[];
  emails: string[];
  phones: string[];
  lineIds: string[];
}

export function emptyUserKeys(): UserKeys {
  return { ids: [], externalIds: [], aliases: [], emails: [], phones: [], lineIds: [] };
}

export function keysForRefs(refs: Iterable<UserRef>): UserKeys {
  const keys = emptyUserKeys();
  const seen = new Set<string>();
  for (const ref of refs) {
    const id = ref.kind === 'user_alias' ? `a:${aliasKey(ref.alias)}` : `${ref.kind}:${ref.value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    switch (ref.kind) {
      case 'external_id':
        keys.externalIds.push(ref.value);
        break;
      case 'user_alias':
        keys.aliases.push(ref.alias);
        break;
      case 'braze_id':
        keys.ids.push(ref.value);
        break;
      case 'email':
        keys.emails.push(ref.value);
        break;
      case 'phone':
        keys.phones.push(ref.value);
        break;
    }
  }
  return keys;
}

/**
 * Braze's rule when several profiles share an email or phone: the most recently updated profile
 * that has an external_id, else the most recently updated one.
 */
export function pickSharedProfile(candidates: UserRecord[]): UserRecord | undefined {
  let best: UserRecord | undefined;
  for (const user of candidates) {
    if (!best) {
      best = user;
      continue;
    }
    const identified = user.external_id !== null,
      bestIdentified = best.external_id !== null;
    if (identified !== bestIdentified) {
      if (identified) best = user;
      continue;
    }
    if (user.updated_at > best.updated_at || (user.updated_at === best.updated_at && user.id > best.id)) best = user;
  }
  return best;
}

/** An in-memory index over loaded profiles, kept current while a request changes them. */
export class UserIndex {
  private readonly byId = new Map<string, UserRecord>();
  private readonly byExternalId = new Map<string, string>();
  private readonly byAlias = new Map<string, string>();

  constructor(users: Iterable<UserRecord> = []) {
    for (const user of users) this.put(user);
  }

  put(user: UserRecord): void {
    const previous = this.byId.get(user.id);
    if (previous) this.unindex(previous);
    this.byId.set(user.id, user);
    if (user.external_id !== null) this.byExternalId.set(user.external_id, user.id);
    for (const alias of user.aliases) this.byAlias.set(aliasKey(alias), user.id);
  }

  remove(id: string): void {
    const user = this.byId.get(id);
    if (!user) return;
    this.unindex(user);
    this.byId.delete(id);
  }

  get(id: string): UserRecord | undefined {
    return this.byId.get(id);
  }

  all(): UserRecord[] {
    return [...this.byId.values()];
  }

  resolve(ref: UserRef): UserRecord | undefined {
    switch (ref.kind) {
      case 'braze_id':
        return this.byId.get(ref.value);
      case 'external_id':
        return this.lookup(this.byExternalId.get(ref.value));
      case 'user_alias':
        return this.lookup(this.byAlias.get(aliasKey(ref.alias)));
      case 'email':
        return pickSharedProfile(this.all().filter((u) => u.email === ref.value));
      case 'phone':
        return pickSharedProfile(this.all().filter((u) => u.phone === ref.value));
    }
  }

  private lookup(id: string | undefined): UserRecord | undefined {
    return id === undefined ? undefined : this.byId.get(id);
  }

  private unindex(user: UserRecord): void {
    if (user.external_id !== null && this.byExternalId.get(user.external_id) === user.id)
      this.byExternalId.delete(user.external_id);
    for (const alias of user.aliases) {
      const key = aliasKey(alias);
      if (this.byAlias.get(key) === user.id) this.byAlias.delete(key);
    }
  }
}
