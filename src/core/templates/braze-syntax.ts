import { markupSpans } from './markup.ts';

/**
 * Braze's attribute syntax (`{{${first_name}}}`, `{{custom_attribute.${plan}}}`, …) rewritten into
 * plain Liquid over our objects, so templates pasted from Braze work. Only markup is rewritten;
 * `${…}` in text and in quoted strings is left alone.
 */
export interface Translation {
  original: string;
  liquid: string;
  /** Where an offset of `liquid` was in the original template, so errors point at what the author wrote. */
  originalOffset(offset: number): number;
}

/** Braze's names for our standard attributes; any other `${name}` is `user.name`. */
const STANDARD_ATTRIBUTES = new Map([
  ['email_address', 'email'],
  ['phone_number', 'phone'],
  ['user_id', 'external_id'],
  ['city', 'home_city'],
  ['date_of_birth', 'dob'],
  ['braze_id', 'id'],
]);

const renamed = (names: Map<string, string>) => (name: string) => names.get(name) ?? name;
const inboundField = renamed(new Map([['inbound_message_body', 'text']]));
const campaignField = renamed(new Map([['api_id', 'id']]));

/** Braze namespaces: where `namespace.${a.b}` lives in our objects; any other namespace is kept as is. */
const NAMESPACES = new Map<string, (path: string[]) => string[]>([
  ['custom_attribute', (path) => ['user', 'custom', ...path]],
  ['event_properties', (path) => ['event', 'properties', ...path]],
  ['api_trigger_properties', (path) => ['api', ...path]],
  // Canvas entry properties are our trigger properties too: a journey is entered like a campaign is triggered.
  ['canvas_entry_properties', (path) => ['api', ...path]],
  ['context', (path) => ['api', ...path]],
  ['content_blocks', (path) => ['content_blocks', ...path]],
  ['campaign', ([name = '', ...rest]) => ['campaign', campaignField(name), ...rest]],
  ['sms', ([name = '', ...rest]) => ['inbound', inboundField(name), ...rest]],
  ['whats_app', ([name = '', ...rest]) => ['inbound', inboundField(name), ...rest]],
]);

function ourPath(namespace: string | undefined, path: string[]): string[] {
  if (namespace === undefined) return ['user', renamed(STANDARD_ATTRIBUTES)(path[0] ?? ''), ...path.slice(1)];
  return NAMESPACES.get(namespace)?.(path) ?? [namespace, ...path];
}

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

export function translateBrazeSyntax(template: string): Translation {
  const edits: Edit[] = [];
  for (const span of markupSpans(template)) {
    const markup = template.slice(span.start, span.end);
    for (const reference of references(markup)) {
      if (reference.name.trim() === '') continue;
      edits.push({
        start: span.start + reference.start,
        end: span.start + reference.end,
        replacement: liquidPath(ourPath(reference.namespace, reference.name.trim().split('.'))),
      });
    }
  }
  return applyEdits(template, edits);
}

interface Reference {
  start: number;
  end: number;
  namespace: string | undefined;
  name: string;
}

/**
 * The `${name}` references of one markup span, each with the `namespace.` written before it,
 * outside quoted strings. A scan rather than one regular expression: the expression tried an
 * identifier as a namespace at every one of its characters, quadratic in its length.
 */
function* references(markup: string): Generator<Reference> {
  const unclosedQuotes = new Set<string>();
  // Where the last quoted string or reference ended: a namespace cannot reach back into it.
  let consumed = 0;
  let i = 0;
  while (i < markup.length) {
    const char = markup[i];
    if (char === "'" || char === '"') {
      const close = unclosedQuotes.has(char) ? -1 : markup.indexOf(char, i + 1);
      if (close < 0) unclosedQuotes.add(char);
      else consumed = close + 1;
      i = close < 0 ? i + 1 : close + 1;
      continue;
    }
    const close = char === '$' && markup[i + 1] === '{' ? referenceClose(markup, i + 2) : -1;
    if (close < 0) {
      i++;
      continue;
    }
    const start = namespaceStart(markup, i, consumed);
    yield {
      start,
      end: close + 1,
      namespace: start < i ? markup.slice(start, i - 1) : undefined,
      name: markup.slice(i + 2, close),
    };
    consumed = close + 1;
    i = close + 1;
  }
}

/** The `}` that closes a reference whose name starts at `from`, or -1: a name holds no brace, quote or newline. */
function referenceClose(markup: string, from: number): number {
  for (let j = from; j < markup.length; j++) {
    const char = markup[j];
    if (char === '}') return j;
    if (char === '{' || char === "'" || char === '"' || char === '\n') return -1;
  }
  return -1;
}

/**
 * Where `namespace.${…}` starts, given the `$` at `dollar`: the word before the dot, from its first
 * letter or underscore (`custom_attribute.${x}`); `dollar` itself when there is none.
 */
function namespaceStart(markup: string, dollar: number, consumed: number): number {
  const dot = dollar - 1;
  if (dot <= consumed || markup[dot] !== '.') return dollar;
  let runStart = dot;
  while (runStart > consumed && WORD_CHAR.test(markup[runStart - 1] ?? '')) runStart--;
  for (let k = runStart; k < dot; k++) if (IDENTIFIER_START.test(markup[k] ?? '')) return k;
  return dollar;
}

const WORD_CHAR = /\w/;
const IDENTIFIER_START = /[A-Za-z_]/;

/** `user.custom["favorite color"]`: brackets for names that are not Liquid identifiers. */
function liquidPath([root, ...rest]: string[]): string {
  // A name never holds a quote: referenceClose stops at one.
  return root + rest.map((name) => (/^[A-Za-z_]\w*$/.test(name) ? `.${name}` : `["${name}"]`)).join('');
}

function applyEdits(template: string, edits: Edit[]): Translation {
  let liquid = '';
  let from = 0;
  const moved: Array<{ original: number; at: number; end: number; shift: number }> = [];
  for (const edit of edits) {
    liquid += template.slice(from, edit.start);
    const at = liquid.length;
    liquid += edit.replacement;
    moved.push({ original: edit.start, at, end: liquid.length, shift: edit.end - liquid.length });
    from = edit.end;
  }
  liquid += template.slice(from);
  return {
    original: template,
    liquid,
    originalOffset(offset) {
      let shift = 0;
      for (const edit of moved) {
        if (offset < edit.at) break;
        if (offset < edit.end) return edit.original;
        shift = edit.shift;
      }
      return offset + shift;
    },
  };
}
