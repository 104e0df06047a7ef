/**
 * The `default` content of a message, the one every channel without its own `by_channel` content
 * gets, holds at most 2,000 characters of text (respond.io's rule, which the spec keeps): it must
 * fit the smallest of the channels it may go to. Counted in Unicode code points.
 */
export const DEFAULT_TEXT_MAX = 2000;

/** Why a default text is too long, or null when it fits. */
export function defaultTextTooLong(text: string): string | null {
  const length = [...text].length;
  return length > DEFAULT_TEXT_MAX
    ? `the default text is ${length.toLocaleString('en-US')} characters; it holds at most ${DEFAULT_TEXT_MAX.toLocaleString('en-US')}`
    : null;
}
