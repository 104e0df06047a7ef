import { IANAZone } from 'luxon';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

// ICU names these, but they are groupings, placeholders, or codes ISO 3166-1 reserves or withdrew.
const NOT_COUNTRIES = new Set([
  'EU', 'EZ', 'UN', 'QO', 'ZZ', 'XA', 'XB',
  'UK', 'AC', 'CP', 'DG', 'EA', 'IC', 'TA',
  'SU', 'YU', 'DD', 'AN', 'ZR', 'TP', 'CS', 'BU', 'FX',
]);

/** ISO 3166-1 alpha-2, as known to the ICU data shipped with Node. */
export function isCountryCode(value: string): boolean {
  return /^[A-Z]{2}$/.test(value) && !NOT_COUNTRIES.has(value) && regionNames.of(value) !== undefined;
}

/** ISO 639-1 (two lower-case letters). */
export function isLanguageCode(value: string): boolean {
  return /^[a-z]{2}$/.test(value) && languageNames.of(value) !== undefined;
}

/** An IANA time zone name such as `Asia/Tokyo` (offsets like `+09:00` are not zones). */
export function isTimeZone(value: string): boolean {
  return /^[A-Za-z]/.test(value) && IANAZone.isValidZone(value);
}

/** The zone's name as the IANA database spells it (`asia/tokyo` → `Asia/Tokyo`). */
export function canonicalTimeZone(value: string): string {
  return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
}
