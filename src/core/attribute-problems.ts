import { applyAttributes, type AttributeContext } from './attributes.ts';
import type { UserRecord } from './user.ts';

export interface AttributeProblem {
  /** The attribute's key in the object that was sent. */
  key: string;
  message: string;
}

/**
 * Every invalid field of one attributes object, for a caller that refuses the whole request
 * rather than skipping the object: each field is applied on its own, in order, so that a later
 * field is judged against the earlier valid ones (a counter, the custom-attribute count) and
 * each problem names its field. Returns the profile as the valid fields leave it.
 */
export function attributeProblems(
  user: UserRecord,
  attributes: Record<string, unknown>,
  ctx: AttributeContext,
): { user: UserRecord; problems: AttributeProblem[] } {
  const problems: AttributeProblem[] = [];
  let current = user;
  for (const [key, value] of Object.entries(attributes)) {
    const result = applyAttributes(current, { [key]: value }, ctx);
    if (result.ok) current = result.outcome.user;
    else problems.push({ key, message: withoutKey(result.error, key) });
  }
  return { user: current, problems };
}

/** The caller names the field in full, so a message that starts by naming the key drops it. */
function withoutKey(message: string, key: string): string {
  for (const lead of [`'${key}' `, `custom attribute '${key}' `])
    if (message.startsWith(lead)) return message.slice(lead.length);
  return message;
}
