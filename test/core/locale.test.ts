import { describe, expect, test } from 'vitest';
import { canonicalTimeZone, isCountryCode, isLanguageCode, isTimeZone } from '../../src/core/locale.ts';
import { isPhoneCountry, normalizePhone } from '../../src/core/phone.ts';

describe('isCountryCode', () => {
  test.each(['JP', 'US', 'GB', 'DE', 'FR', 'KR', 'TW', 'HK', 'BR', 'AQ'])('%s is a country', (code) => {
    expect(isCountryCode(code)).toBe(true);
  });

  test.each(['jp', 'Jp', 'us'])('lower-case %s is refused (callers upper-case first)', (code) => {
    expect(isCountryCode(code)).toBe(false);
  });

  test.each(['EU', 'EZ', 'UN', 'QO', 'ZZ'])('the grouping or placeholder %s is refused', (code) => {
    expect(isCountryCode(code)).toBe(false);
  });

  test.each(['XX', 'AA', 'QU', 'JPN', 'J', '', '81', '001', 'J1', ' JP', 'JP '])('%j is refused', (code) => {
    expect(isCountryCode(code)).toBe(false);
  });

  // Regression (found by these tests, fixed): ICU names the pseudo-locale regions XA ("Pseudo-Accents") and XB ("Pseudo-Bidi"); they
  // are placeholders like ZZ, not ISO 3166-1 countries, but NOT_COUNTRIES misses them.
  test('the pseudo-regions XA and XB are not countries', () => {
    expect(['XA', 'XB'].filter(isCountryCode)).toEqual([]);
  });

  // Regression (found by these tests, fixed): ICU also names codes that ISO 3166-1 reserves or has withdrawn: UK (the code is GB),
  // AC/CP/DG/EA/IC/TA (exceptionally reserved) and SU/YU/DD/AN/ZR/TP/CS/BU/FX (deleted). Braze
  // wants an ISO 3166-1 alpha-2 code; storing 'UK' or 'SU' misfiles the user's country.
  test('reserved and withdrawn codes (UK, SU, YU, DD, AN, …) are not current ISO 3166-1 countries', () => {
    const notAssigned = [
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
    ];
    expect(notAssigned.filter(isCountryCode)).toEqual([]);
  });
});

describe('isLanguageCode', () => {
  test.each(['ja', 'en', 'zh', 'ko', 'fr', 'de', 'es', 'pt', 'aa'])('%s is a language', (code) => {
    expect(isLanguageCode(code)).toBe(true);
  });

  test.each(['JA', 'Ja', 'EN'])('upper-case %s is refused (callers lower-case first)', (code) => {
    expect(isLanguageCode(code)).toBe(false);
  });

  test.each(['xx', 'zz', 'qa', 'jpn', 'eng', 'j', '', 'ja-JP', 'en_US', 'english'])('%j is refused', (code) => {
    expect(isLanguageCode(code)).toBe(false);
  });
});

describe('isTimeZone', () => {
  test.each([
    'Asia/Tokyo',
    'America/New_York',
    'Europe/London',
    'Australia/Lord_Howe',
    'America/Argentina/Buenos_Aires',
    'UTC',
    'GMT',
    'Etc/GMT+9',
    'US/Pacific',
  ])('%s is a time zone', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
  });

  test.each([
    'Mars/Base',
    'Asia/Atlantis',
    '+09:00',
    '-05:00',
    '+0900',
    'Z',
    'GMT+9',
    'UTC+9',
    'Tokyo',
    'JST9',
    '',
    ' Asia/Tokyo',
    '9',
  ])('%j is refused', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });
});

describe('normalizePhone', () => {
  test.each<[string, string, string]>([
    ['+81 90-1234-5678', 'US', '+819012345678'],
    ['+819012345678', 'US', '+819012345678'],
    ['090-1234-5678', 'JP', '+819012345678'],
    ['09012345678', 'JP', '+819012345678'],
    ['03-1234-5678', 'JP', '+81312345678'],
    ['(415) 555-2671', 'US', '+14155552671'],
    ['415.555.2671', 'US', '+14155552671'],
    ['+1 415 555 2671', 'JP', '+14155552671'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['  +14155552671  ', 'US', '+14155552671'],
  ])('%j in %s → %s', (input, country, e164) => {
    expect(normalizePhone(input, country)).toEqual({ ok: true, e164 });
  });

  test('the default country decides how a national number is read', () => {
    expect(normalizePhone('201-555-0123', 'US')).toEqual({ ok: true, e164: '+12015550123' });
    expect(normalizePhone('201-555-0123', 'JP')).toEqual({ ok: true, e164: '+812015550123' });
  });

  test('a Japanese mobile number read as US is refused', () => {
    expect(normalizePhone('090-1234-5678', 'US')).toEqual({
      ok: false,
      reason: "'090-1234-5678' is not a phone number (read with default country US)",
    });
  });

  test.each(['', '   '])('%j is empty', (input) => {
    expect(normalizePhone(input, 'US')).toEqual({ ok: false, reason: 'is empty' });
  });

  test.each(['abc', '12', '+1 201 555 01234'])('%j is not a phone number', (input) => {
    expect(normalizePhone(input, 'US')).toEqual({
      ok: false,
      reason: `'${input}' is not a phone number (read with default country US)`,
    });
  });

  test('a possible but invalid number is refused as not valid', () => {
    expect(normalizePhone('+1 999 555 0123', 'US')).toEqual({
      ok: false,
      reason: "'+1 999 555 0123' is not a valid number for its country code",
    });
  });

  test('the trimmed input is quoted in the reason', () => {
    expect(normalizePhone('  abc  ', 'JP')).toEqual({
      ok: false,
      reason: "'abc' is not a phone number (read with default country JP)",
    });
  });

  test('an unsupported default country reads only international numbers', () => {
    expect(normalizePhone('+819012345678', 'XX')).toEqual({ ok: true, e164: '+819012345678' });
    expect(normalizePhone('090-1234-5678', 'XX')).toEqual({
      ok: false,
      reason: "'090-1234-5678' is not a phone number (read with default country XX)",
    });
  });
});

describe('isPhoneCountry', () => {
  test.each(['US', 'JP', 'GB', 'DE'])('%s is supported', (code) => {
    expect(isPhoneCountry(code)).toBe(true);
  });

  test.each(['XX', 'jp', 'EU', '', 'USA'])('%j is not', (code) => {
    expect(isPhoneCountry(code)).toBe(false);
  });
});

describe('canonicalTimeZone', () => {
  test('spells the zone as the IANA database does', () => {
    expect(canonicalTimeZone('asia/tokyo')).toBe('Asia/Tokyo');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
  });
});
