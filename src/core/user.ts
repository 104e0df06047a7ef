/** The user profile as the engine sees it: plain data, loaded by the store, changed by core rules. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type EmailSubscribe = 'opted_in' | 'subscribed' | 'unsubscribed';
export type SubscriptionState = 'subscribed' | 'unsubscribed';

export interface UserAlias {
  alias_label: string;
  alias_name: string;
}

/** Standard attributes other than the indexed identifiers (email, phone, line_id live as columns). */
export interface StandardAttributes {
  first_name?: string | null;
  last_name?: string | null;
  dob?: string | null;
  gender?: string | null;
  country?: string | null;
  language?: string | null;
  home_city?: string | null;
  time_zone?: string | null;
  email_subscribe?: EmailSubscribe | null;
}

export interface SubscriptionStatus {
  state: SubscriptionState;
  changed_at: number;
}

export interface UserRecord {
  id: string;
  external_id: string | null;
  email: string | null;
  phone: string | null;
  line_id: string | null;
  standard: StandardAttributes;
  custom: Record<string, Json>;
  last_interacted_channel: string | null;
  created_at: number;
  updated_at: number;
  aliases: UserAlias[];
  subscriptions: Record<string, SubscriptionStatus>;
}

export function newUserRecord(id: string, now: number): UserRecord {
  return {
    id,
    external_id: null,
    email: null,
    phone: null,
    line_id: null,
    standard: {},
    custom: {},
    last_interacted_channel: null,
    created_at: now,
    updated_at: now,
    aliases: [],
    subscriptions: {},
  };
}

export function aliasKey(alias: UserAlias): string {
  return `${alias.alias_label}\u0000${alias.alias_name}`;
}
