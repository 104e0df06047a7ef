import type { ConversionEvent, ExceptionDefinition, Trigger } from '../../schemas/campaign.ts';
import { operatorPattern, operatorPatternError, type PatternOptions } from './operator-pattern.ts';

export type InboundTrigger = Extract<Trigger, { type: 'inbound_message' }>;
export type WordMatch = NonNullable<InboundTrigger['match']>;

/** Anything trigger-shaped that a campaign saves: its trigger, an exception or a conversion event. */
export type TriggerLike = Trigger | ExceptionDefinition | ConversionEvent;

/**
 * Text as trigger words and keywords compare it. NFKC turns full-width letters, digits and spaces
 * into their ASCII forms (ＪＯＩＮ２０２３ → JOIN2023); it runs before trimming so that a
 * full-width space at either end goes too.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').trim().toUpperCase();
}

/** An inbound message's text, prepared once and shared by every campaign that looks at it. */
export interface InboundText {
  /** Trimmed only: what a regex sees. */
  trimmed: string;
  /** Trimmed, NFKC, upper-case: what exact and contains compare. */
  normalized: string;
}

export function prepareText(text: string): InboundText {
  return { trimmed: text.trim(), normalized: normalizeText(text) };
}

/** How a trigger word is stored. Regex patterns stay as typed: upper-casing would turn `\d` into `\D`. */
export function storedTriggerWord(word: string, match: WordMatch = 'exact'): string {
  return match === 'regex' ? word : normalizeText(word);
}

export type WordMatcher = (text: InboundText) => boolean;

/** Trigger-word patterns ignore case; `u` is the syntax they have always been checked with. */
const PATTERN_OPTIONS: PatternOptions = { ignoreCase: true, jsFlags: 'u' };

/** The trigger's word test, or null when it has no words (it then fires on every inbound message). */
export function compileTriggerWords(trigger: InboundTrigger): WordMatcher | null {
  const words = trigger.trigger_words ?? [];
  if (words.length === 0) return null;
  const match = trigger.match ?? 'exact';
  if (match === 'regex') {
    // A pattern that does not compile never matches: one bad stored definition must not stop the others.
    const patterns = words.map((word) => operatorPattern(word, PATTERN_OPTIONS)).filter((p) => p !== null);
    return (text) => patterns.some((pattern) => pattern.test(text.trimmed));
  }
  // Words are normalised again here so a definition stored before normalisation still matches.
  const normalized = words.map(normalizeText);
  if (match === 'contains') return (text) => normalized.some((word) => text.normalized.includes(word));
  const exact = new Set(normalized);
  return (text) => exact.has(text.normalized);
}

/** The save-time check of an inbound trigger's words: an error naming the field, or null. */
export function validateTriggerWords(trigger: TriggerLike, field = 'trigger'): string | null {
  const problem = triggerWordsProblem(trigger, field);
  return problem && `${problem.field}: ${problem.message}`;
}

/** The same check, with the field apart: `trigger.trigger_words[1]`, `trigger.unrecognized`. */
export function triggerWordsProblem(
  trigger: TriggerLike,
  field = 'trigger',
): { field: string; message: string } | null {
  if (trigger.type !== 'inbound_message') return null;
  const words = trigger.trigger_words ?? [];
  if (words.length > 0 && trigger.unrecognized) {
    return {
      field: `${field}.unrecognized`,
      message: 'an unrecognized-reply trigger fires when no trigger word matched, so it cannot have trigger_words',
    };
  }
  for (const [i, word] of words.entries()) {
    const error = wordError(word, trigger.match ?? 'exact');
    if (error) return { field: `${field}.trigger_words[${i}]`, message: error };
  }
  return null;
}

function wordError(word: string, match: WordMatch): string | null {
  if (match !== 'regex') return normalizeText(word) === '' ? 'is blank' : null;
  return operatorPatternError(word, PATTERN_OPTIONS);
}

/** One inbound-message listener, as the fan-out rule sees it. */
export interface InboundListener {
  words: WordMatcher | null;
  unrecognized: boolean;
}

/**
 * Whether a listener fires for an inbound message. `recognized` says whether any trigger word of an
 * active campaign on the channel, or a subscription-group keyword, matched; it is asked only by
 * unrecognized-reply listeners, so callers may compute it lazily.
 */
export function firesOnInbound(listener: InboundListener, text: InboundText, recognized: () => boolean): boolean {
  if (listener.words) return listener.words(text);
  if (listener.unrecognized) return !recognized();
  return true;
}
