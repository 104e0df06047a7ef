import { LiquidError } from 'liquidjs';
import type { Translation } from './braze-syntax.ts';

export type TemplateFailureReason = 'template_error' | 'template_aborted';

/** Why a template did not render: a broken template, or one that chose not to send (`abort_message`). */
export class TemplateFailure extends Error {
  readonly reason: TemplateFailureReason;
  /** The content field that failed (`subject`, `columns[0].text`, `body.items[1]`, …), when rendering a whole content. */
  readonly field: string | undefined;

  constructor(reason: TemplateFailureReason, message: string, field?: string) {
    super(message);
    this.name = 'TemplateFailure';
    this.reason = reason;
    this.field = field;
  }

  at(field: string): TemplateFailure {
    return new TemplateFailure(this.reason, this.message, this.field ?? field);
  }
}

/** Braze's log text for an `abort_message` without a reason. */
export const ABORTED_WITHOUT_REASON = '{% abort_message %} called';

export function aborted(reason: string | null): TemplateFailure {
  return new TemplateFailure('template_aborted', reason || ABORTED_WITHOUT_REASON);
}

export function templateError(message: string): TemplateFailure {
  return new TemplateFailure('template_error', message);
}

/**
 * A LiquidJS error as a failure whose line and column are those of the template as written
 * (before the Braze syntax was rewritten). A failure raised inside (an abort, an error in a
 * content block) is passed on as it is: LiquidJS wraps what tags and drops throw.
 */
export function describeError(error: unknown, translation: Translation): TemplateFailure {
  for (
    let cause: unknown = error;
    cause instanceof Error;
    cause = (cause as { originalError?: unknown }).originalError
  ) {
    if (cause instanceof TemplateFailure) return cause;
  }
  if (!LiquidError.is(error)) return templateError(error instanceof Error ? error.message : String(error));
  const message = error.message.replace(/, line:\d+, col:\d+$/, '');
  const token = error.token as { begin?: number; input?: string } | undefined;
  if (token?.begin === undefined || token.input !== translation.liquid) return templateError(message);
  const [line, col] = position(translation.original, translation.originalOffset(token.begin));
  return templateError(`${message}, line:${line}, col:${col}`);
}

function position(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return [before.split('\n').length, offset - lineStart + 1];
}
