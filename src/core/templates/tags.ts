import { Tag, Value, type Context, type Liquid, type TagToken, type TopLevelToken } from 'liquidjs';
import { aborted } from './failure.ts';

/** Braze's `{% abort_message('reason') %}` (also `abort_message()` and `abort_message 'reason'`): the message is not sent. */
export class AbortMessageTag extends Tag {
  #reason: Value | null;

  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    const argument = token.args
      .trim()
      .replace(/^\(([\s\S]*)\)$/, '$1')
      .trim();
    this.#reason = argument === '' ? null : new Value(argument, liquid);
  }

  *render(ctx: Context): Generator<unknown, never, unknown> {
    const reason = this.#reason ? yield this.#reason.value(ctx, false) : null;
    throw aborted(reason == null ? null : String(reason));
  }
}

/** A tag that fails when the template is parsed (so when it is saved), saying why. */
export function unavailableTag(
  why: string,
): new (
  token: TagToken,
  remainTokens: TopLevelToken[],
  liquid: Liquid,
) => Tag {
  return class UnavailableTag extends Tag {
    constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
      super(token, remainTokens, liquid);
      throw new Error(`tag "${token.name}" is not available: ${why}`);
    }

    render(): void {}
  };
}
