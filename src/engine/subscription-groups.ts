import type { SubscriptionGroup } from '../schemas/subscription-group.ts';
import { BUILT_IN_KEYWORDS, FAMILY_KEYWORD_FIELDS } from '../core/sms-keywords.ts';
import { TidingsError } from '../core/errors.ts';

/**
 * Keywords are kept upper-case (NFKC), and each word has one meaning in a group: the built-in
 * opt-out, opt-in and help words keep theirs, and a word the group adds to a family
 * (`opt_out_keywords`, …) or to a custom category belongs to that one only.
 */
export function normalizeGroup(group: SubscriptionGroup): SubscriptionGroup {
  const owner = new Map<string, string>();
  const problems: Array<{ field: string; message: string }> = [];
  const claim = (word: string, field: string, meaning: string): string => {
    const upper = word.normalize('NFKC').toUpperCase();
    if (BUILT_IN_KEYWORDS.includes(upper))
      problems.push({ field, message: `'${upper}' is a built-in opt-in, opt-out or help keyword` });
    else if (owner.has(upper))
      problems.push({ field, message: `'${upper}' is already a keyword of ${owner.get(upper)}` });
    owner.set(upper, meaning);
    return upper;
  };
  const normalized: SubscriptionGroup = { ...group };
  for (const [kind, field] of FAMILY_KEYWORD_FIELDS) {
    const words = group[field];
    if (words) normalized[field] = words.map((word, j) => claim(word, `${field}[${j}]`, kind.replace('_', '-')));
  }
  if (group.keyword_categories) {
    normalized.keyword_categories = group.keyword_categories.map((category, i) => ({
      ...category,
      keywords: category.keywords.map((word, j) =>
        claim(word, `keyword_categories[${i}].keywords[${j}]`, `category '${category.category}'`),
      ),
    }));
  }
  if (problems.length > 0)
    throw new TidingsError(
      'invalid_input',
      `Invalid subscription group: ${problems.map((p) => `'${p.field}' ${p.message}`).join('; ')}`,
      problems,
    );
  return normalized;
}
