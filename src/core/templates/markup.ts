/** Where the Liquid markup is in a template: the `{{ … }}` outputs and `{% … %}` tags, delimiters included. */
export interface MarkupSpan {
  kind: 'output' | 'tag';
  start: number;
  end: number;
}

/** A Braze attribute reference, `${name}`; it contains `}`, so it must be skipped whole when looking for `}}`. */
const BRAZE_REFERENCE = /\$\{([^{}'"\n]*)\}/y;

const ENDRAW = /\{%-?\s*endraw\s*-?%\}/g;

/**
 * Finds the markup spans the way LiquidJS's tokenizer does (outputs skip quoted strings, tags do
 * not; `{% raw %}` content is text), except that `${…}` counts as one unit. Stops at the first
 * unclosed delimiter: LiquidJS reports that one itself.
 */
export function markupSpans(source: string): MarkupSpan[] {
  const spans: MarkupSpan[] = [];
  const nextOpening = openings(source);
  let from = 0;
  for (;;) {
    const start = nextOpening(from);
    if (start < 0) return spans;
    const kind = source.startsWith('{{', start) ? 'output' : 'tag';
    const end = markupEnd(source, start + 2, kind);
    if (end < 0) return spans;
    spans.push({ kind, start, end });
    from = end;
    if (kind === 'tag' && tagName(source.slice(start, end)) === 'raw') {
      ENDRAW.lastIndex = end;
      const endraw = ENDRAW.exec(source);
      if (!endraw) return spans;
      from = endraw.index;
    }
  }
}

/**
 * The next `{{` or `{%` at or after a position, for positions that only grow. Each delimiter's
 * last position is kept: searching again for both at every span was quadratic in the number of
 * spans when one of them is far away or absent.
 */
function openings(source: string): (from: number) => number {
  const next = { '{{': -2, '{%': -2 };
  const find = (delimiter: '{{' | '{%', from: number): number => {
    const found = next[delimiter];
    if (found === -1 || found >= from) return found;
    next[delimiter] = source.indexOf(delimiter, from);
    return next[delimiter];
  };
  return (from) => {
    const output = find('{{', from);
    const tag = find('{%', from);
    if (output < 0) return tag;
    if (tag < 0) return output;
    return Math.min(output, tag);
  };
}

function markupEnd(source: string, from: number, kind: MarkupSpan['kind']): number {
  const closer = kind === 'output' ? '}}' : '%}';
  let i = from;
  while (i < source.length) {
    const char = source[i];
    if (kind === 'output' && (char === '"' || char === "'")) {
      const close = source.indexOf(char, i + 1);
      if (close < 0) return -1;
      i = close + 1;
      continue;
    }
    BRAZE_REFERENCE.lastIndex = i;
    if (char === '$' && BRAZE_REFERENCE.test(source)) {
      i = BRAZE_REFERENCE.lastIndex;
      continue;
    }
    if (source.startsWith(closer, i)) return i + 2;
    i++;
  }
  return -1;
}

function tagName(tag: string): string {
  return /^\{%-?\s*([\w-]+)/.exec(tag)?.[1] ?? '';
}
