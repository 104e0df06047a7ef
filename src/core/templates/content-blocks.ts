import { Drop, type Context } from 'liquidjs';
import { translateBrazeSyntax } from './braze-syntax.ts';
import { markupSpans } from './markup.ts';

/** Content blocks by name: named Liquid snippets that templates (and other blocks) include with `{{ content_blocks.NAME }}`. */
export type ContentBlocks = ReadonlyMap<string, string>;

const REFERENCE = /\bcontent_blocks\s*(?:\.\s*([A-Za-z_0-9][\w-]*)|\[\s*(?:"([^"]*)"|'([^']*)')\s*\])/g;

/** The blocks a template names, in order of first mention; a name computed at render time is not seen. */
export function contentBlockReferences(template: string): string[] {
  const liquid = translateBrazeSyntax(template).liquid;
  const names = new Set<string>();
  for (const span of markupSpans(liquid)) {
    for (const match of liquid.slice(span.start, span.end).matchAll(REFERENCE)) {
      const name = match[1] ?? match[2] ?? match[3];
      if (name !== undefined) names.add(name);
    }
  }
  return [...names];
}

/**
 * The first cycle of blocks including each other, as a path that ends where it starts (`['a', 'b', 'a']`), or null.
 * With `from`, only the cycles reachable from those blocks are looked for.
 */
export function findContentBlockCycle(blocks: ContentBlocks, from?: Iterable<string>): string[] | null {
  const acyclic = new Set<string>();
  const visit = (name: string, path: string[]): string[] | null => {
    const repeated = path.indexOf(name);
    if (repeated >= 0) return [...path.slice(repeated), name];
    const template = blocks.get(name);
    if (template === undefined || acyclic.has(name)) return null;
    for (const reference of contentBlockReferences(template)) {
      const cycle = visit(reference, [...path, name]);
      if (cycle) return cycle;
    }
    acyclic.add(name);
    return null;
  };
  for (const name of [...(from ?? blocks.keys())].sort()) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return null;
}

/** `content_blocks` in a template: reading `content_blocks.NAME` renders that block in the reader's context. */
export class ContentBlocksDrop extends Drop {
  readonly #render: (name: string, ctx: Context) => string;

  constructor(render: (name: string, ctx: Context) => string) {
    super();
    this.#render = render;
  }

  override liquidMethodMissing(name: string | number, ctx: Context): string {
    return this.#render(String(name), ctx);
  }
}
