import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/** Normalises a phone number to E.164, reading national numbers in the workspace's default country. */
export function normalizePhone(input: string, defaultCountry: string): PhoneResult {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  const country = isSupportedCountry(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(trimmed, country);
  if (!parsed?.isPossible()) {
    return { ok: false, reason: `'${trimmed}' is not a phone number (read with default country ${defaultCountry})` };
  }
  if (!parsed.isValid()) {
    return { ok: false, reason: `'${trimmed}' is not a valid number for ${parsed.country ?? 'its country code'}` };
  }
  return { ok: true, e164: parsed.number };
}

export function isPhoneCountry(code: string): boolean {
  return isSupportedCountry(code);
}
