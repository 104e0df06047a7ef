import { Type, type Static } from '@sinclair/typebox';

export const SettingsSchema = Type.Object(
  {
    company_time_zone: Type.String({ description: 'IANA time zone used when a user has none', default: 'UTC' }),
    default_country: Type.String({
      description: 'ISO 3166-1 alpha-2 country used to read national phone numbers',
      default: 'US',
    }),
    public_url: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
      description: 'Base URL providers use to reach this server',
    }),
  },
  { additionalProperties: false },
);
export type Settings = Static<typeof SettingsSchema>;

export const SettingsPatchSchema = Type.Partial(SettingsSchema, { additionalProperties: false });
export type SettingsPatch = Static<typeof SettingsPatchSchema>;

export const DEFAULT_SETTINGS: Settings = { company_time_zone: 'UTC', default_country: 'US', public_url: null };
