import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import { normalizeText } from './campaigns/trigger-words.ts';

export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

export type SmsKeyword = { kind: 'opt_out' | 'opt_in' | 'help' } | { kind: 'custom'; category: string; reply?: string };

const DEFAULTS = new Map<string, SmsKeyword>([
  ...OPT_OUT_KEYWORDS.map((word) => [word, { kind: 'opt_out' }] as const),
  ...OPT_IN_KEYWORDS.map((word) => [word, { kind: 'opt_in' }] as const),
  ...HELP_KEYWORDS.map((word) => [word, { kind: 'help' }] as const),
]);

/**
 * The keyword an inbound SMS is, or null. Only a whole single-word message counts ("STOP PLEASE" is
 * not an opt-out, as in Braze). The default families are checked before the group's categories so
 * that a custom category can never take STOP away from opt-out.
 */
export function classifySmsKeyword(text: string, group: SubscriptionGroup): SmsKeyword | null {
  const word = normalizeText(text);
  if (word === '' || /\s/u.test(word)) return null;
  const fixed = DEFAULTS.get(word);
  if (fixed) return { ...fixed };
  for (const { category, keywords, reply } of group.keyword_categories ?? []) {
    if (keywords.some((keyword) => normalizeText(keyword) === word)) return reply === undefined ? { kind: 'custom', category } : { kind: 'custom', category, reply };
  }
  return null;
}
