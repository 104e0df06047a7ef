import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';

import { clip } from './quote.ts';

/** Longer than any phone number written with spaces, dashes and an extension. */
export const MAX_PHONE_INPUT_LENGTH = 100;

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/** Normalises a phone number to E.164, reading national numbers in the workspace's default country. */
export function normalizePhone(input: string, defaultCountry: string): PhoneResult {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  if (trimmed.length > MAX_PHONE_INPUT_LENGTH)
    return {
      ok: false,
      reason: `is ${trimmed.length} characters long; a phone number has at most ${MAX_PHONE_INPUT_LENGTH}`,
    };
  const country = isSupportedCountry(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(trimmed, country);
  if (!parsed?.isPossible()) {
    return {
      ok: false,
      reason: `'${clip(trimmed)}' is not a phone number (read with default country ${defaultCountry})`,
    };
  }
  if (!parsed.isValid()) {
    return {
      ok: false,
      reason: `'${clip(trimmed)}' is not a valid number for ${parsed.country ?? 'its country code'}`,
    };
  }
  return { ok: true, e164: parsed.number };
}

export function isPhoneCountry(code: string): boolean {
  return isSupportedCountry(code);
}
