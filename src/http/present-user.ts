import type { UserRecord } from '../core/user.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function profileFields(user: UserRecord) {
  const s = user.standard;
  return {
    external_id: user.external_id,
    user_aliases: user.aliases,
    first_name: s.first_name ?? null,
    last_name: s.last_name ?? null,
    email: user.email,
    phone: user.phone,
    line_id: user.line_id,
    dob: s.dob ?? null,
    gender: s.gender ?? null,
    country: s.country ?? null,
    language: s.language ?? null,
    home_city: s.home_city ?? null,
    time_zone: s.time_zone ?? null,
    email_subscribe: s.email_subscribe ?? null,
    custom_attributes: user.custom,
    subscription_groups: Object.entries(user.subscriptions)
      .map(([id, status]) => ({ id, state: status.state, changed_at: iso(status.changed_at) }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    created_at: iso(user.created_at),
  };
}

/** A profile as the /v1 admin API shows it. */
export function presentUser(user: UserRecord) {
  return {
    id: user.id,
    ...profileFields(user),
    last_interacted_channel: user.last_interacted_channel,
    updated_at: iso(user.updated_at),
  };
}

/** A profile as Braze's /users/export/ids shows it (`braze_id`, optionally only some fields). */
export function presentBrazeExport(user: UserRecord, fields?: string[]) {
  const full: Record<string, unknown> = { braze_id: user.id, ...profileFields(user) };
  if (!fields || fields.length === 0) return full;
  return Object.fromEntries(
    Object.entries(full).filter(([key]) => key === 'braze_id' || key === 'external_id' || fields.includes(key)),
  );
}
