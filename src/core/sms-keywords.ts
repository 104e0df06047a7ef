import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import { normalizeText } from './campaigns/trigger-words.ts';

export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
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
