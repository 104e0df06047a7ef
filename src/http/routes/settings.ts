import type { FastifyPluginAsync } from 'fastify';
import { canonicalTimeZone, isTimeZone } from '../../core/locale.ts';
import { isPhoneCountry } from '../../core/phone.ts';
import { loadSettings, updateSettings, type Engine } from '../../engine/engine.ts';
import { TidingsError } from '../../core/errors.ts';
import { SettingsPatchSchema, SettingsSchema, type SettingsPatch } from '../../schemas/settings.ts';

const TAGS = ['Settings'];

function checkSettings(patch: SettingsPatch): void {
  const problems: Array<{ field: string; message: string }> = [];
  if (patch.company_time_zone !== undefined && !isTimeZone(patch.company_time_zone)) {
    problems.push({
      field: 'company_time_zone',
      message: `must be an IANA time zone name such as Europe/Paris, got '${patch.company_time_zone}'`,
    });
  }
  if (patch.default_country !== undefined && !isPhoneCountry(patch.default_country)) {
    problems.push({
      field: 'default_country',
      message: `must be an ISO 3166-1 alpha-2 country with a phone numbering plan, such as JP, got '${patch.default_country}'`,
    });
  }
  if (problems.length > 0)
    throw new TidingsError(
      'invalid_input',
      `Invalid settings: ${problems.map((p) => `'${p.field}' ${p.message}`).join('; ')}`,
      problems,
    );
}

export function settingsRoutes(engine: Engine): FastifyPluginAsync {
  return async (app) => {
    app.get('/settings', { schema: { tags: TAGS, response: { 200: SettingsSchema } } }, () =>
      engine.store.read(loadSettings),
    );
    app.patch<{ Body: SettingsPatch }>(
      '/settings',
      { schema: { tags: TAGS, body: SettingsPatchSchema, response: { 200: SettingsSchema } } },
      async (request) => {
        checkSettings(request.body);
        const patch = { ...request.body };
        if (patch.company_time_zone !== undefined) patch.company_time_zone = canonicalTimeZone(patch.company_time_zone);
        return updateSettings(engine, patch);
      },
    );
  };
}
