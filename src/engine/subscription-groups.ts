import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import { RequestError } from './users.ts';

/** Words a subscription group always answers; custom keywords may not take them. */
export const RESERVED_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'START', 'YES', 'UNSTOP', 'HELP', 'INFO'];

/** Keywords are kept upper-case; each may belong to one category only. */
export function normalizeGroup(group: SubscriptionGroup): SubscriptionGroup {
  const owner = new Map<string, string>();
  const problems: Array<{ field: string; message: string }> = [];
  const categories = (group.keyword_categories ?? []).map((category, i) => ({
    ...category,
    keywords: category.keywords.map((word, j) => {
      const upper = word.normalize('NFKC').toUpperCase();
      const field = `keyword_categories[${i}].keywords[${j}]`;
      if (RESERVED_KEYWORDS.includes(upper)) problems.push({ field, message: `'${upper}' is a built-in opt-in, opt-out or help keyword` });
      else if (owner.has(upper)) problems.push({ field, message: `'${upper}' is already a keyword of category '${owner.get(upper)}'` });
      owner.set(upper, category.category);
      return upper;
    }),
  }));
  if (problems.length > 0) throw new RequestError(400, `Invalid subscription group: ${problems.map((p) => `'${p.field}' ${p.message}`).join('; ')}`, problems);
  return group.keyword_categories ? { ...group, keyword_categories: categories } : group;
}
