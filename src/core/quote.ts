/** The longest piece of a caller's value an error message repeats. */
export const MAX_QUOTED_LENGTH = 64;

/**
 * A caller's text as an error message repeats it: cut after MAX_QUOTED_LENGTH characters, so a
 * 60,000-character input does not come back 60,000 characters long in the answer.
 */
export function clip(text: string): string {
  return text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}…(${text.length} characters)` : text;
}

/** A value as an error message shows it: JSON for scalars (strings clipped); objects and arrays are named. */
export function quote(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  if (typeof value === 'string' && value.length > MAX_QUOTED_LENGTH)
    return `${JSON.stringify(value.slice(0, MAX_QUOTED_LENGTH))}…(${value.length} characters)`;
  return JSON.stringify(value) ?? String(value);
}
