import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import { normalizeText } from './campaigns/trigger-words.ts';

export const OPT_OUT_KEYWORDS = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

/** The replies that ship with the product; a subscription group may set its own. */
export const DEFAULT_SMS_REPLIES = {
  opt_out: 'You are unsubscribed and will receive no more messages. Reply START to subscribe again.',
  opt_in: 'You are subscribed again. Reply STOP to unsubscribe, HELP for help.',
  help: 'Reply STOP to unsubscribe, START to subscribe again.',
} as const;

/**
 * What a keyword answers, if anything: the group's own reply, else the default for its family.
 * A custom category's reply is an auto-reply for subscribers (Braze: "always-on auto-replies for
 * subscribed users"): a number that is not `subscribed` after this message gets none, since
 * after a STOP only the opt-in and help replies may go to it.
 */
export function smsKeywordReply(keyword: SmsKeyword, group: SubscriptionGroup, subscribed: boolean): string | null {
  switch (keyword.kind) {
    case 'opt_out':
      return group.opt_out_reply ?? DEFAULT_SMS_REPLIES.opt_out;
    case 'opt_in':
      return group.opt_in_reply ?? DEFAULT_SMS_REPLIES.opt_in;
    case 'help':
      return group.help_reply ?? DEFAULT_SMS_REPLIES.help;
    case 'custom':
      return subscribed ? (keyword.reply ?? null) : null;
  }
}

export type SmsKeyword = { kind: 'opt_out' | 'opt_in' | 'help' } | { kind: 'custom'; category: string; reply?: string };

const DEFAULTS = new Map<string, SmsKeyword>([
  ...OPT_OUT_KEYWORDS.map((word) => [word, { kind: 'opt_out' }] as const),
  ...OPT_IN_KEYWORDS.map((word) => [word, { kind: 'opt_in' }] as const),
  ...HELP_KEYWORDS.map((word) => [word, { kind: 'help' }] as const),
]);

/** The fields where a group adds its own words to each family, besides the built-in ones. */
export const FAMILY_KEYWORD_FIELDS = [
  ['opt_out', 'opt_out_keywords'],
  ['opt_in', 'opt_in_keywords'],
  ['help', 'help_keywords'],
] as const;

/** Words every group answers as opt-out, opt-in or help: no group may give them another meaning. */
export const BUILT_IN_KEYWORDS: readonly string[] = [...OPT_OUT_KEYWORDS, ...OPT_IN_KEYWORDS, ...HELP_KEYWORDS];

/**
 * The keyword an inbound SMS is, or null. Only a whole single-word message counts ("STOP PLEASE" is
 * not an opt-out, as in Braze). The built-in families come first, then the group's own words for
 * them (another language's STOP), then its custom categories: a custom category can never take
 * STOP away from opt-out.
 */
export function classifySmsKeyword(text: string, group: SubscriptionGroup): SmsKeyword | null {
  const word = normalizeText(text);
  if (word === '' || /\s/u.test(word)) return null;
  const fixed = DEFAULTS.get(word);
  if (fixed) return { ...fixed };
  for (const [kind, field] of FAMILY_KEYWORD_FIELDS) {
    if ((group[field] ?? []).some((keyword) => normalizeText(keyword) === word)) return { kind };
  }
  for (const { category, keywords, reply } of group.keyword_categories ?? []) {
    if (keywords.some((keyword) => normalizeText(keyword) === word))
      return reply === undefined ? { kind: 'custom', category } : { kind: 'custom', category, reply };
  }
  return null;
}
