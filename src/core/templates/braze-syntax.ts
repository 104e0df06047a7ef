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
  ['campaign', ([name, ...rest]) => ['campaign', campaignField(name), ...rest]],
  ['sms', ([name, ...rest]) => ['inbound', inboundField(name), ...rest]],
  ['whats_app', ([name, ...rest]) => ['inbound', inboundField(name), ...rest]],
]);

function ourPath(namespace: string | undefined, path: string[]): string[] {
  if (namespace === undefined) return ['user', renamed(STANDARD_ATTRIBUTES)(path[0]), ...path.slice(1)];
  return NAMESPACES.get(namespace)?.(path) ?? [namespace, ...path];
}

const REFERENCE_OR_QUOTED = /'[^']*'|"[^"]*"|(?:([A-Za-z_]\w*)\.)?\$\{([^{}'"\n]*)\}/g;

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

export function translateBrazeSyntax(template: string): Translation {
  const edits: Edit[] = [];
  for (const span of markupSpans(template)) {
    const markup = template.slice(span.start, span.end);
    for (const match of markup.matchAll(REFERENCE_OR_QUOTED)) {
      const [whole, namespace, name] = match;
      if (name === undefined || name.trim() === '') continue;
      const start = span.start + match.index;
      edits.push({
        start,
        end: start + whole.length,
        replacement: liquidPath(ourPath(namespace, name.trim().split('.'))),
      });
    }
  }
  return applyEdits(template, edits);
}

/** `user.custom["favorite color"]`: brackets for names that are not Liquid identifiers. */
function liquidPath([root, ...rest]: string[]): string {
  // A name never holds a quote: REFERENCE_OR_QUOTED stops at one.
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
