import { IANAZone } from 'luxon';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

// ICU names these, but they are groupings, placeholders, or codes ISO 3166-1 reserves or withdrew.
const NOT_COUNTRIES = new Set([
  'EU',
  'EZ',
  'UN',
  'QO',
  'ZZ',
  'XA',
  'XB',
  'UK',
  'AC',
  'CP',
  'DG',
  'EA',
  'IC',
  'TA',
  'SU',
  'YU',
  'DD',
  'AN',
  'ZR',
  'TP',
  'CS',
  'BU',
  'FX',
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
  return remembered(validZones, value, () => /^[A-Za-z]/.test(value) && IANAZone.isValidZone(value));
}

/** The zone's name as the IANA database spells it (`asia/tokyo` → `Asia/Tokyo`). */
export function canonicalTimeZone(value: string): string {
  return remembered(
    canonicalZones,
    value,
    () => new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone,
  );
}

// Checking a zone builds an Intl formatter (tens of µs), and every send-time decision asks. The
// answers are remembered; names are user input, so at most ZONES_REMEMBERED of them.
const ZONES_REMEMBERED = 2000;
const validZones = new Map<string, boolean>();
const canonicalZones = new Map<string, string>();

function remembered<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  const known = cache.get(key);
  if (known !== undefined) return known;
  const value = compute();
  if (cache.size < ZONES_REMEMBERED) cache.set(key, value);
  return value;
}
