/**
 * Who a campaign is for: a saved segment and extra user filters, both of which must hold.
 *
 * - An attribute filter names a standard attribute (STANDARD_ATTRIBUTES below) or a custom one,
 *   as `custom.NAME` or as a bare `NAME` that is not a standard name; dots reach into nested
 *   custom objects. It uses the comparison rules of property-filter.ts.
 * - `created_at` / `updated_at` read as ISO date-times (`2026-03-06T12:00:00.000Z`), so that
 *   `gt`/`lt`/`between` compare them as instants; `dob` is a date `YYYY-MM-DD`, compared as
 *   midnight UTC. A custom attribute that shares a standard name is reachable as `custom.NAME`.
 * - `{subscription_group, state}`: a user with no recorded state for the group matches neither
 *   `subscribed` nor `unsubscribed` (use `not` to reach them).
 * - `{received_campaign, within_seconds?}`: the user received that campaign at all, or no more
 *   than `within_seconds` before now (inclusive).
 * - An audience that names an unknown segment matches nobody; saving one is refused.
 */
import type { AttributeFilter, Segment, UserFilter } from '../../schemas/filters.ts';
import type { Json, UserRecord } from '../user.ts';
import { joinPath, matchesComparison, validateComparison, valueAtPath } from './property-filter.ts';

export interface Audience {
  segment?: string;
  filters?: UserFilter[];
}

export interface AudienceContext {
  segments: ReadonlyMap<string, Segment>;
  /** When the user last received that campaign (epoch milliseconds), or null if never. */
  lastReceivedAt(campaignId: string): number | null;
  now: number;
}

const STANDARD_ATTRIBUTES: Record<string, (user: UserRecord) => Json> = {
  external_id: (user) => user.external_id,
  email: (user) => user.email,
  phone: (user) => user.phone,
  line_id: (user) => user.line_id,
  first_name: (user) => user.standard.first_name ?? null,
  last_name: (user) => user.standard.last_name ?? null,
  dob: (user) => user.standard.dob ?? null,
  gender: (user) => user.standard.gender ?? null,
  country: (user) => user.standard.country ?? null,
  language: (user) => user.standard.language ?? null,
  home_city: (user) => user.standard.home_city ?? null,
  time_zone: (user) => user.standard.time_zone ?? null,
  email_subscribe: (user) => user.standard.email_subscribe ?? null,
  created_at: (user) => new Date(user.created_at).toISOString(),
  updated_at: (user) => new Date(user.updated_at).toISOString(),
};

export const STANDARD_ATTRIBUTE_NAMES: readonly string[] = Object.keys(STANDARD_ATTRIBUTES);

/** Standard attributes that hold dates; the others hold text, which has no order. */
const DATE_ATTRIBUTES = new Set(['dob', 'created_at', 'updated_at']);
const ORDERING_OPS = new Set(['gt', 'gte', 'lt', 'lte', 'between']);
const CUSTOM_PREFIX = 'custom.';

/** True when the user is in the segment (if any) and passes every filter (no audience: everyone). */
export function inAudience(audience: Audience | undefined, user: UserRecord, ctx: AudienceContext): boolean {
  if (!audience) return true;
  if (audience.segment !== undefined) {
    const segment = ctx.segments.get(audience.segment);
    if (!segment || !matchesAllUserFilters(segment.filters, user, ctx)) return false;
  }
  return matchesAllUserFilters(audience.filters ?? [], user, ctx);
}

export function matchesAllUserFilters(filters: readonly UserFilter[], user: UserRecord, ctx: AudienceContext): boolean {
  return filters.every((filter) => matchesUserFilter(filter, user, ctx));
}

export function matchesUserFilter(filter: UserFilter, user: UserRecord, ctx: AudienceContext): boolean {
  if ('all' in filter) return filter.all.every((inner) => matchesUserFilter(inner, user, ctx));
  if ('any' in filter) return filter.any.some((inner) => matchesUserFilter(inner, user, ctx));
  if ('not' in filter) return !matchesUserFilter(filter.not, user, ctx);
  if ('subscription_group' in filter) return subscriptionState(user, filter.subscription_group) === filter.state;
  if ('received_campaign' in filter) return receivedCampaign(filter.received_campaign, filter.within_seconds, ctx);
  return matchesComparison(filter, attributeValue(user, filter.attribute));
}

/** The value an attribute filter tests; undefined when the user has none. */
export function attributeValue(user: UserRecord, name: string): Json | undefined {
  if (Object.hasOwn(STANDARD_ATTRIBUTES, name)) return STANDARD_ATTRIBUTES[name]!(user);
  return valueAtPath(user.custom, customPath(name));
}

function customPath(name: string): string {
  return name.startsWith(CUSTOM_PREFIX) ? name.slice(CUSTOM_PREFIX.length) : name;
}

function subscriptionState(user: UserRecord, groupId: string): string | null {
  return Object.hasOwn(user.subscriptions, groupId) ? user.subscriptions[groupId]!.state : null;
}

function receivedCampaign(campaignId: string, withinSeconds: number | undefined, ctx: AudienceContext): boolean {
  const receivedAt = ctx.lastReceivedAt(campaignId);
  if (receivedAt === null) return false;
  return withinSeconds === undefined || ctx.now - receivedAt <= withinSeconds * 1000;
}

// ---- Save-time checks: what the schema cannot say. ----

/** Ids that filters may name; a kind left out is not checked. */
export interface KnownDefinitions {
  segments?: { has(id: string): boolean };
  subscriptionGroups?: { has(id: string): boolean };
}

/** The first problem in an audience, fields named under `path`; null when it is usable. */
export function validateAudience(
  audience: Audience | undefined,
  known: KnownDefinitions = {},
  path = 'audience',
): string | null {
  if (!audience) return null;
  if (audience.segment !== undefined && known.segments && !known.segments.has(audience.segment)) {
    return `'${joinPath(path, 'segment')}' names no saved segment: ${JSON.stringify(audience.segment)}`;
  }
  return validateUserFilters(audience.filters, known, joinPath(path, 'filters'));
}

/** The first problem among a list of user filters, each named `${path}[i]`. */
export function validateUserFilters(
  filters: readonly UserFilter[] | undefined,
  known: KnownDefinitions,
  path: string,
): string | null {
  for (const [i, filter] of (filters ?? []).entries()) {
    const error = validateUserFilter(filter, known, `${path}[${i}]`);
    if (error) return error;
  }
  return null;
}

export function validateUserFilter(filter: UserFilter, known: KnownDefinitions = {}, path = ''): string | null {
  if ('all' in filter) return validateUserFilters(filter.all, known, joinPath(path, 'all'));
  if ('any' in filter) return validateUserFilters(filter.any, known, joinPath(path, 'any'));
  if ('not' in filter) return validateUserFilter(filter.not, known, joinPath(path, 'not'));
  if ('subscription_group' in filter) {
    if (!known.subscriptionGroups || known.subscriptionGroups.has(filter.subscription_group)) return null;
    return `'${joinPath(path, 'subscription_group')}' names no subscription group: ${JSON.stringify(filter.subscription_group)}`;
  }
  if ('received_campaign' in filter) return null;
  return validateAttributeName(filter, path) ?? validateComparison(filter, path);
}

/** Catches attribute filters that could never match because of what the attribute holds. */
function validateAttributeName(filter: AttributeFilter, path: string): string | null {
  const { attribute: name, op, value } = filter;
  const field = `'${joinPath(path, 'attribute')}'`;
  if (name === CUSTOM_PREFIX) return `${field} must name a custom attribute after 'custom.'`;
  if (!Object.hasOwn(STANDARD_ATTRIBUTES, name) || !ORDERING_OPS.has(op)) return null;
  if (!DATE_ATTRIBUTES.has(name)) {
    return `${field} '${name}' holds text, which '${op}' cannot compare; it compares numbers and dates (dob, created_at, updated_at)`;
  }
  const bounds = Array.isArray(value) ? value : [value];
  if (bounds.some((bound) => typeof bound === 'number')) {
    return `'${joinPath(path, 'value')}' must be an ISO 8601 date or date-time such as 2026-03-06, as '${name}' holds a date, got ${JSON.stringify(value)}`;
  }
  return null;
}
