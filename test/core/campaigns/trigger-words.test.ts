import { describe, expect, test } from 'vitest';
import {
  compileTriggerWords,
  firesOnInbound,
  normalizeText,
  prepareText,
  storedTriggerWord,
  validateTriggerWords,
  type InboundTrigger,
  type TriggerLike,
  type WordMatch,
} from '../../../src/core/campaigns/trigger-words.ts';
import {
  classifySmsKeyword,
  DEFAULT_SMS_REPLIES,
  smsKeywordReply,
  type SmsKeyword,
} from '../../../src/core/sms-keywords.ts';
import type { SubscriptionGroup } from '../../../src/schemas/subscription-group.ts';

const inbound = (
  words: string[] | undefined,
  match?: WordMatch,
  extra: Partial<InboundTrigger> = {},
): InboundTrigger => ({
  type: 'inbound_message',
  channel_type: 'line',
  ...(words ? { trigger_words: words } : {}),
  ...(match ? { match } : {}),
  ...extra,
});

function matches(words: string[], match: WordMatch | undefined, text: string): boolean {
  const matcher = compileTriggerWords(inbound(words, match));
  if (!matcher) throw new Error('expected a matcher');
  return matcher(prepareText(text));
}

describe('normalizeText', () => {
  test.each([
    ['join2023', 'JOIN2023'],
    ['  Join2023\n', 'JOIN2023'],
    ['ＪＯＩＮ２０２３', 'JOIN2023'],
    ['ｊｏｉｎ２０２３', 'JOIN2023'],
    ['\u3000JOIN\u3000', 'JOIN'],
    ['ｶﾀｶﾅ', 'カタカナ'],
    ['straße', 'STRASSE'],
    ['', ''],
    ['   ', ''],
  ])('%j → %j', (text, expected) => {
    expect(normalizeText(text)).toBe(expected);
  });
});

describe('storedTriggerWord', () => {
  test.each<[string, WordMatch | undefined, string]>([
    ['join2023', undefined, 'JOIN2023'],
    [' Join ', 'exact', 'JOIN'],
    ['ｓａｌｅ', 'contains', 'SALE'],
    ['^order-\\d+$', 'regex', '^order-\\d+$'],
  ])('%j (%s) is stored as %j', (word, match, expected) => {
    expect(storedTriggerWord(word, match)).toBe(expected);
  });
});

describe('compileTriggerWords', () => {
  test('no trigger words: no matcher (the trigger fires on every message)', () => {
    expect(compileTriggerWords(inbound(undefined))).toBeNull();
    expect(compileTriggerWords(inbound([]))).toBeNull();
  });

  test.each<[string, string[], WordMatch | undefined, string, boolean]>([
    ['exact is the default', ['JOIN2023'], undefined, 'JOIN2023', true],
    ['lower case', ['JOIN2023'], 'exact', 'join2023', true],
    ['mixed case', ['JOIN2023'], 'exact', 'jOin2023', true],
    ['full-width', ['JOIN2023'], 'exact', 'ＪＯＩＮ２０２３', true],
    ['full-width lower case', ['JOIN2023'], 'exact', 'ｊｏｉｎ２０２３', true],
    ['surrounding spaces and a full-width space', ['JOIN2023'], 'exact', ' \u3000join2023\n', true],
    ['stored word in lower case still matches', ['join2023'], 'exact', 'JOIN2023', true],
    ['stored full-width word matches ASCII', ['ＪＯＩＮ２０２３'], 'exact', 'join2023', true],
    ['exact does not match a longer text', ['JOIN2023'], 'exact', 'I want to JOIN2023', false],
    ['exact does not match a prefix', ['JOIN2023'], 'exact', 'JOIN', false],
    ['exact with a phrase', ['GOOD MORNING'], 'exact', 'good morning', true],
    ['exact: any of several words', ['YES', 'JOIN2023'], 'exact', 'join2023', true],
    ['exact: none of several words', ['YES', 'NO'], 'exact', 'maybe', false],
    ['exact: empty text', ['JOIN2023'], 'exact', '', false],
    ['contains: inside a sentence', ['JOIN2023'], 'contains', 'I want to join2023 please', true],
    ['contains: full-width inside a sentence', ['JOIN2023'], 'contains', 'ぜひＪＯＩＮ２０２３です', true],
    ['contains: the whole text', ['JOIN2023'], 'contains', 'JOIN2023', true],
    ['contains: plain substring, not word-bounded', ['SALE'], 'contains', 'wholesale', true],
    ['contains: absent', ['JOIN2023'], 'contains', 'JOIN 2023', false],
    ['regex: anchored', ['^order-\\d+$'], 'regex', 'ORDER-42', true],
    ['regex: case-insensitive', ['^yes$'], 'regex', 'YES', true],
    ['regex: runs on trimmed text', ['^yes$'], 'regex', '  yes \n', true],
    ['regex: not anchored finds inside', ['\\bcoupon\\b'], 'regex', 'any coupon today?', true],
    ['regex: no match', ['^order-\\d+$'], 'regex', 'order-x', false],
    ['regex: text is not NFKC-normalised', ['^order-\\d+$'], 'regex', 'ｏｒｄｅｒ-４２', false],
    ['regex: any of several patterns', ['^a$', '^b$'], 'regex', 'b', true],
    ['regex: an invalid stored pattern never matches, others still do', ['(', '^ok$'], 'regex', 'ok', true],
    ['regex: only an invalid stored pattern', ['('], 'regex', '(', false],
  ])('%s', (_name, words, match, text, expected) => {
    expect(matches(words, match, text)).toBe(expected);
  });
});

describe('validateTriggerWords', () => {
  test.each<[string, TriggerLike, string | undefined, string | null]>([
    ['not an inbound trigger', { type: 'custom_event', event: 'x' }, undefined, null],
    ['no words', inbound(undefined), undefined, null],
    ['exact words', inbound(['JOIN2023', 'YES']), undefined, null],
    ['valid regex', inbound(['^order-\\d+$'], 'regex'), undefined, null],
    ['invalid regex names the word', inbound(['^ok$', '(unclosed'], 'regex'), undefined, 'trigger.trigger_words[1]'],
    [
      'invalid regex under another field',
      inbound(['[z-a]'], 'regex'),
      'exceptions[2]',
      'exceptions[2].trigger_words[0]',
    ],
    ['a blank word', inbound(['JOIN', '\u3000 '], 'exact'), undefined, 'trigger.trigger_words[1]'],
    ['a blank contains word', inbound([' '], 'contains'), undefined, 'trigger.trigger_words[0]'],
    ['unrecognized alone', inbound(undefined, undefined, { unrecognized: true }), undefined, null],
    [
      'unrecognized with words',
      inbound(['JOIN'], undefined, { unrecognized: true }),
      undefined,
      'trigger.unrecognized',
    ],
  ])('%s', (_name, trigger, field, expectedField) => {
    const error = validateTriggerWords(trigger, field);
    if (expectedField === null) expect(error).toBeNull();
    else expect(error).toMatch(new RegExp(`^${expectedField.replace(/[[\].]/g, '\\$&')}: `));
  });

  test('an invalid regex says why', () => {
    expect(validateTriggerWords(inbound(['(unclosed'], 'regex'))).toMatch(/not a valid regular expression \(.+\)/);
  });
});

describe('regex trigger words on a linear-time engine', () => {
  // (a+)+$ backtracks exponentially on a run of a's that does not end the text: 28 of them took
  // JavaScript's engine seconds, 31 took 15 s.
  test.each([28, 100_000])('(a+)+$ against %i a and a final "!" answers at once, with no match', (length) => {
    const text = `${'a'.repeat(length)}!`;
    const started = performance.now();
    expect(matches(['(a+)+$'], 'regex', text)).toBe(false);
    expect(matches(['(a+)+$'], 'regex', 'a'.repeat(length))).toBe(true);
    expect(performance.now() - started).toBeLessThan(100);
  });

  test.each([
    ['a backreference', '(\\w)\\1'],
    ['a lookahead', 'yes(?=!)'],
    ['a negative lookahead', '^(?!no)'],
    ['a lookbehind', '(?<=a)b'],
  ])('%s is refused at save, saying why', (_name, pattern) => {
    expect(validateTriggerWords(inbound(['^ok$', pattern], 'regex'))).toMatch(
      /^trigger\.trigger_words\[1\]: cannot run on the linear-time \(RE2\) engine \(.+\): backreferences, lookahead and lookbehind are not supported$/,
    );
  });

  test('a stored pattern RE2 cannot run never matches; the others still do', () => {
    expect(matches(['(a)\\1', '^ok$'], 'regex', 'aa')).toBe(false);
    expect(matches(['(a)\\1', '^ok$'], 'regex', 'ok')).toBe(true);
  });

  test.each<[string, string, string, boolean]>([
    ['named groups', '^(?<word>yes)$', 'YES', true],
    ['\\u escapes', '^caf\\u00e9$', 'CAFÉ', true],
    ['non-ASCII case folding', '^ÉTÉ$', 'été', true],
    ['a slash', '^a/b$', 'a/b', true],
    ['a Unicode class', '^\\p{L}+$', 'こんにちは', true],
  ])('JavaScript syntax keeps its meaning: %s', (_name, pattern, text, expected) => {
    expect(validateTriggerWords(inbound([pattern], 'regex'))).toBeNull();
    expect(matches([pattern], 'regex', text)).toBe(expected);
  });
});

describe('firesOnInbound', () => {
  const text = prepareText('join2023');
  const words = compileTriggerWords(inbound(['JOIN2023']));
  const other = compileTriggerWords(inbound(['STOP']));

  test.each<[string, { words: typeof words; unrecognized: boolean }, boolean, boolean]>([
    ['words that match', { words, unrecognized: false }, false, true],
    ['words that do not match', { words: other, unrecognized: false }, false, false],
    ['no words: fires even when something else matched', { words: null, unrecognized: false }, true, true],
    ['no words: fires when nothing matched', { words: null, unrecognized: false }, false, true],
    ['unrecognized: fires when nothing matched', { words: null, unrecognized: true }, false, true],
    ['unrecognized: silent when something matched', { words: null, unrecognized: true }, true, false],
  ])('%s', (_name, listener, recognized, expected) => {
    expect(firesOnInbound(listener, text, () => recognized)).toBe(expected);
  });

  test('recognized is asked only by unrecognized listeners', () => {
    let asked = 0;
    const recognized = () => (asked++, false);
    firesOnInbound({ words, unrecognized: false }, text, recognized);
    firesOnInbound({ words: null, unrecognized: false }, text, recognized);
    expect(asked).toBe(0);
    firesOnInbound({ words: null, unrecognized: true }, text, recognized);
    expect(asked).toBe(1);
  });
});

describe('classifySmsKeyword', () => {
  const group: SubscriptionGroup = {
    id: 'sms-marketing',
    name: 'SMS marketing',
    channel_type: 'sms',
    keyword_categories: [
      { category: 'PROMO', keywords: ['DEALS', 'promo'], reply: 'Here are our deals' },
      { category: 'STORE', keywords: ['HOURS'] },
      { category: 'HIJACK', keywords: ['STOP'] },
    ],
  };
  const bare: SubscriptionGroup = { id: 'plain', name: 'Plain', channel_type: 'sms' };

  test.each<[string, string, SmsKeyword | null]>([
    ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'].map(
      (w): [string, string, SmsKeyword] => [`opt-out ${w}`, w, { kind: 'opt_out' }],
    ),
    ...['START', 'YES', 'UNSTOP'].map((w): [string, string, SmsKeyword] => [`opt-in ${w}`, w, { kind: 'opt_in' }]),
    ...['HELP', 'INFO'].map((w): [string, string, SmsKeyword] => [`help ${w}`, w, { kind: 'help' }]),
    ['lower case', 'stop', { kind: 'opt_out' }],
    ['mixed case', 'Stop', { kind: 'opt_out' }],
    ['trimmed', '  start \n', { kind: 'opt_in' }],
    ['full-width', 'ＳＴＯＰ', { kind: 'opt_out' }],
    ['full-width space around', '\u3000help\u3000', { kind: 'help' }],
    ['two words are not a keyword', 'STOP PLEASE', null],
    ['a full-width space makes two words', 'STOP\u3000NOW', null],
    ['a keyword inside a sentence', 'please stop', null],
    ['a longer word', 'STOPPED', null],
    ['empty', '', null],
    ['blank', '   ', null],
    ['custom category with its reply', 'deals', { kind: 'custom', category: 'PROMO', reply: 'Here are our deals' }],
    [
      'custom keyword stored in lower case',
      'PROMO',
      { kind: 'custom', category: 'PROMO', reply: 'Here are our deals' },
    ],
    ['custom category without reply', 'ｈｏｕｒｓ', { kind: 'custom', category: 'STORE' }],
    ['defaults win over a custom category', 'STOP', { kind: 'opt_out' }],
    ['unknown word', 'PIZZA', null],
  ])('%s: %j', (_name, text, expected) => {
    expect(classifySmsKeyword(text, group)).toEqual(expected);
  });

  test("a group's own words for the families (another language) come after the built-in ones and before its categories", () => {
    const french: SubscriptionGroup = {
      ...bare,
      opt_out_keywords: ['ARRET', 'ARRÊT'],
      opt_in_keywords: ['ALTA'],
      help_keywords: ['AIDE'],
      keyword_categories: [{ category: 'PROMO', keywords: ['PROMO'] }],
    };
    expect(classifySmsKeyword('arret', french)).toEqual({ kind: 'opt_out' });
    expect(classifySmsKeyword(' Arrêt ', french)).toEqual({ kind: 'opt_out' });
    expect(classifySmsKeyword('ＡＬＴＡ', french)).toEqual({ kind: 'opt_in' });
    expect(classifySmsKeyword('aide', french)).toEqual({ kind: 'help' });
    expect(classifySmsKeyword('stop', french)).toEqual({ kind: 'opt_out' });
    expect(classifySmsKeyword('promo', french)).toEqual({ kind: 'custom', category: 'PROMO' });
    expect(classifySmsKeyword('arret maintenant', french)).toBeNull();
    expect(classifySmsKeyword('arret', bare)).toBeNull();
  });

  test('a group without categories still has the defaults', () => {
    expect(classifySmsKeyword('quit', bare)).toEqual({ kind: 'opt_out' });
    expect(classifySmsKeyword('deals', bare)).toBeNull();
  });

  test('results are fresh objects', () => {
    const first = classifySmsKeyword('STOP', bare) as { kind: string };
    first.kind = 'changed';
    expect(classifySmsKeyword('STOP', bare)).toEqual({ kind: 'opt_out' });
  });
});

describe('smsKeywordReply', () => {
  const group = { id: 'sms-g', name: 'SMS', channel_type: 'sms', help_reply: 'Shop help' } as never;
  test("opt-out, opt-in and help always answer (the group's reply, else the default); a custom category only to subscribers", () => {
    for (const subscribed of [true, false]) {
      expect(smsKeywordReply({ kind: 'opt_out' }, group, subscribed)).toBe(DEFAULT_SMS_REPLIES.opt_out);
      expect(smsKeywordReply({ kind: 'opt_in' }, group, subscribed)).toBe(DEFAULT_SMS_REPLIES.opt_in);
      expect(smsKeywordReply({ kind: 'help' }, group, subscribed)).toBe('Shop help');
    }
    expect(smsKeywordReply({ kind: 'custom', category: 'promo', reply: 'Deals!' }, group, true)).toBe('Deals!');
    expect(smsKeywordReply({ kind: 'custom', category: 'promo', reply: 'Deals!' }, group, false)).toBeNull();
    expect(smsKeywordReply({ kind: 'custom', category: 'promo' }, group, true)).toBeNull();
  });
});
