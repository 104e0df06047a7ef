/**
 * Regular expressions written by operators (trigger words with `match: "regex"`, filters with
 * `op: "regex"`) and run on text from the public. They run on RE2 (the `re2js` port), whose
 * matching time is linear in the text whatever the pattern: a pattern like `(a+)+$` cannot make a
 * message stall the server. Patterns are written in JavaScript's syntax; RE2 lacks the features
 * that need backtracking (backreferences, lookahead, lookbehind), and a pattern that uses them is
 * refused at save (see docs/decisions.md, "Operators' patterns").
 */
import { RE2JS } from 're2js';

export interface OperatorPattern {
  /** True when the pattern matches somewhere in the text (like RegExp#test, unanchored). */
  test(text: string): boolean;
}

export interface PatternOptions {
  ignoreCase: boolean;
  /** The JavaScript flags the pattern was always checked with at save (`u` for trigger words). */
  jsFlags: string;
}

/**
 * Compiled patterns by flags and source: a property filter is tested per event, and compiling
 * costs far more than matching. A pattern that does not compile is kept as null.
 */
const compiled = new Map<string, OperatorPattern | null>();
const MAX_COMPILED = 2000;

/** The compiled pattern, or null when it does not compile (a stored pattern like that never matches). */
export function operatorPattern(source: string, options: PatternOptions): OperatorPattern | null {
  const key = `${options.ignoreCase ? 'i' : ''}/${source}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  let pattern: OperatorPattern | null;
  try {
    pattern = compileRe2(source, options.ignoreCase);
  } catch {
    pattern = null;
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(key, pattern);
  return pattern;
}

/** Why a pattern cannot be saved, or null. JavaScript's syntax error first, as before RE2; then what RE2 refuses. */
export function operatorPatternError(source: string, options: PatternOptions): string | null {
  try {
    new RegExp(source, `${options.jsFlags}${options.ignoreCase ? 'i' : ''}`);
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
  try {
    compileRe2(source, options.ignoreCase);
    return null;
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `cannot run on the linear-time (RE2) engine (${reason}): backreferences, lookahead and lookbehind are not supported`;
  }
}

function compileRe2(source: string, ignoreCase: boolean): OperatorPattern {
  const re = RE2JS.compile(RE2JS.translateRegExp(source), ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  return { test: (text) => re.test(text) };
}
