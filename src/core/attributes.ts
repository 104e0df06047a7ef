import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import { updateCustomAttribute } from './custom-attributes.ts';
import { normalizeEmail } from './identifiers.ts';
import { canonicalTimeZone, isCountryCode, isLanguageCode, isTimeZone } from './locale.ts';
import { normalizePhone } from './phone.ts';
import { quote } from './quote.ts';
import type { EmailSubscribe, SubscriptionState, UserRecord } from './user.ts';

export interface AttributeContext {
  defaultCountry: string;
  now: number;
  groups: ReadonlyMap<string, SubscriptionGroup>;
}

export interface SubscriptionTransition {
  group_id: string;
  state: SubscriptionState;
  previous: SubscriptionState | null;
}

export interface AttributeOutcome {
  user: UserRecord;
  subscriptionChanges: SubscriptionTransition[];
}

export type AttributeResult = { ok: true; outcome: AttributeOutcome } | { ok: false; error: string };

/** Keys of an attributes object that name the user or steer the request; never stored. */
const CONTROL_KEYS = new Set(['external_id', 'user_alias', 'braze_id', '_update_existing_only']);

/** Braze standard attributes Tidings has no use for; refused so that nothing is silently misfiled. */
const UNSUPPORTED_BRAZE_ATTRIBUTES = new Set([
  'push_subscribe',
  'push_tokens',
  'push_token_import',
  'current_location',
  'date_of_first_session',
  'date_of_last_session',
  'facebook',
  'twitter',
  'image_url',
  'marked_email_as_spam_at',
  'email_open_tracking_disabled',
  'email_click_tracking_disabled',
  'use_double_opt_in_logic',
]);

/** Braze's limit on custom attributes per user. */
export const MAX_CUSTOM_ATTRIBUTES = 1000;

const TEXT_FIELDS = ['first_name', 'last_name', 'home_city'] as const;
const GENDERS = new Set(['M', 'F', 'O', 'N', 'P']);
const EMAIL_SUBSCRIBE = new Set(['opted_in', 'subscribed', 'unsubscribed']);
const LINE_ID = /^U[0-9a-f]{32}$/;
const DOB = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Applies one attributes object to a profile. Either every field is valid and a changed copy of
 * the profile is returned, or nothing changes and the first invalid field is named.
 */
export function applyAttributes(
  original: UserRecord,
  attributes: Record<string, unknown>,
  ctx: AttributeContext,
): AttributeResult {
  const user: UserRecord = { ...original, standard: { ...original.standard }, custom: { ...original.custom } };
  const subscriptionChanges: SubscriptionTransition[] = [];
  const custom = { count: Object.keys(user.custom).length };

  for (const [key, value] of Object.entries(attributes)) {
    if (CONTROL_KEYS.has(key)) continue;
    if (UNSUPPORTED_BRAZE_ATTRIBUTES.has(key))
      return fail(`'${key}' is a Braze attribute that Tidings does not support`);
    const error = applyField(user, key, value, ctx, subscriptionChanges, custom);
    if (error) return fail(error);
  }
  user.updated_at = ctx.now;
  return { ok: true, outcome: { user, subscriptionChanges } };
}

function applyField(
  user: UserRecord,
  key: string,
  value: unknown,
  ctx: AttributeContext,
  changes: SubscriptionTransition[],
  custom: { count: number },
): string | null {
  if ((TEXT_FIELDS as readonly string[]).includes(key)) {
    if (value !== null && typeof value !== 'string') return `'${key}' must be a string or null`;
    if (typeof value === 'string' && value.length > 255) return `'${key}' is longer than 255 characters`;
    user.standard[key as (typeof TEXT_FIELDS)[number]] = value as string | null;
    return null;
  }
  switch (key) {
    case 'email': {
      if (value === null) {
        user.email = null;
        return null;
      }
      const email = typeof value === 'string' ? normalizeEmail(value) : null;
      if (!email) return `'email' is not an email address: ${quote(value)}`;
      user.email = email;
      return null;
    }
    case 'phone': {
      if (value === null) {
        user.phone = null;
        return null;
      }
      if (typeof value !== 'string') return `'phone' must be a string or null`;
      const phone = normalizePhone(value, ctx.defaultCountry);
      if (!phone.ok) return `'phone' ${phone.reason}`;
      user.phone = phone.e164;
      return null;
    }
    case 'line_id':
    case 'native_line_id': {
      if (value !== null && (typeof value !== 'string' || !LINE_ID.test(value))) {
        return `'${key}' must be a LINE user ID ('U' followed by 32 lower-case hex characters) or null`;
      }
      user.line_id = value as string | null;
      return null;
    }
    case 'dob': {
      if (value !== null && (typeof value !== 'string' || !DOB.test(value) || !isCalendarDate(value)))
        return `'dob' must be a date YYYY-MM-DD or null`;
      user.standard.dob = value as string | null;
      return null;
    }
    case 'gender': {
      const gender = typeof value === 'string' ? value.toUpperCase() : value;
      if (gender !== null && (typeof gender !== 'string' || !GENDERS.has(gender)))
        return `'gender' must be one of M, F, O, N, P or null`;
      user.standard.gender = gender as string | null;
      return null;
    }
    case 'country': {
      const country = typeof value === 'string' ? value.toUpperCase() : value;
      if (country !== null && (typeof country !== 'string' || !isCountryCode(country)))
        return `'country' must be an ISO 3166-1 alpha-2 code such as JP, got ${quote(value)}`;
      user.standard.country = country as string | null;
      return null;
    }
    case 'language': {
      const language = typeof value === 'string' ? value.toLowerCase() : value;
      if (language !== null && (typeof language !== 'string' || !isLanguageCode(language)))
        return `'language' must be an ISO 639-1 code such as ja, got ${quote(value)}`;
      user.standard.language = language as string | null;
      return null;
    }
    case 'time_zone': {
      if (value !== null && (typeof value !== 'string' || !isTimeZone(value)))
        return `'time_zone' must be an IANA time zone name such as Asia/Tokyo, got ${quote(value)}`;
      user.standard.time_zone = value === null ? null : canonicalTimeZone(value as string);
      return null;
    }
    case 'email_subscribe': {
      if (value !== null && (typeof value !== 'string' || !EMAIL_SUBSCRIBE.has(value)))
        return `'email_subscribe' must be one of opted_in, subscribed, unsubscribed`;
      user.standard.email_subscribe = value as EmailSubscribe | null;
      return null;
    }
    case 'subscription_groups':
      return applySubscriptionGroups(user, value, ctx, changes);
    default:
      return applyCustom(user, key, value, custom);
  }
}

function applySubscriptionGroups(
  user: UserRecord,
  value: unknown,
  ctx: AttributeContext,
  changes: SubscriptionTransition[],
): string | null {
  if (!Array.isArray(value))
    return `'subscription_groups' must be an array of {subscription_group_id, subscription_state}`;
  const subscriptions = { ...user.subscriptions };
  for (const [i, entry] of value.entries()) {
    const { subscription_group_id: groupId, subscription_state: state } = (entry ?? {}) as Record<string, unknown>;
    if (typeof groupId !== 'string' || !ctx.groups.has(groupId))
      return `'subscription_groups[${i}].subscription_group_id' names no subscription group: ${quote(groupId)}`;
    if (state !== 'subscribed' && state !== 'unsubscribed')
      return `'subscription_groups[${i}].subscription_state' must be subscribed or unsubscribed`;
    const previous = subscriptions[groupId]?.state ?? null;
    if (previous === state) continue;
    subscriptions[groupId] = { state, changed_at: ctx.now };
    changes.push({ group_id: groupId, state, previous });
  }
  user.subscriptions = subscriptions;
  return null;
}

/** `custom.count` is how many custom attributes the profile has, kept as keys come and go. */
function applyCustom(user: UserRecord, key: string, value: unknown, custom: { count: number }): string | null {
  if (key.length === 0 || key.length > 255) return `custom attribute names must be 1 to 255 characters long`;
  if (key.startsWith('$')) return `custom attribute '${key}' must not start with '$'`;
  if (key === '__proto__') return `'__proto__' cannot be an attribute name`;
  const present = Object.hasOwn(user.custom, key);
  const update = updateCustomAttribute(key, present ? user.custom[key] : undefined, value);
  if (!update.ok) return update.error;
  if (update.value === undefined) {
    if (present) custom.count -= 1;
    delete user.custom[key];
    return null;
  }
  if (!present) {
    if (custom.count >= MAX_CUSTOM_ATTRIBUTES)
      return `custom attribute '${key}' would be more than the ${MAX_CUSTOM_ATTRIBUTES} custom attributes a user may have`;
    custom.count += 1;
  }
  user.custom[key] = update.value;
  return null;
}

function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
