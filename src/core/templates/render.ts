import { Context, toValue, toValueSync, type Emitter, type Template } from 'liquidjs';
import { translateBrazeSyntax, type Translation } from './braze-syntax.ts';
import { ContentBlocksDrop, type ContentBlocks } from './content-blocks.ts';
import type { TemplateContext } from './context.ts';
import { liquid } from './engine.ts';
import { RENDER_NOW } from './filters.ts';
import { describeError, templateError, TemplateFailure, type TemplateFailureReason } from './failure.ts';

export interface RenderLimits {
  /**
   * Template work for one render (all the fields of a content together): LiquidJS's steps, one per
   * markup node rendered, a loop's body counting once per iteration. Deterministic, unlike a
   * stopwatch: a template passes or fails the same way at save, at send and in a simulation,
   * whatever else the machine is doing.
   */
  steps: number;
  /**
   * Wall-clock time for one render, in milliseconds; none by default (see `steps`). Only for a
   * caller that wants a stopwatch as well.
   */
  renderMs: number;
  /** Size of the output (all the fields of a content together), in UTF-8 bytes. */
  outputBytes: number;
  /** Length of one template or content block as written, in characters. */
  templateChars: number;
  /** LiquidJS's allocation budget (array and string building, ranges), in its units (elements, characters). */
  memory: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = {
  steps: 50_000,
  renderMs: Number.POSITIVE_INFINITY,
  outputBytes: 256 * 1024,
  templateChars: 100_000,
  memory: 4 * 1024 * 1024,
};

export type TemplateResult<T> =
  | { ok: true; output: T }
  | { ok: false; reason: TemplateFailureReason; message: string; field?: string };

/** The save-time check: the parse error (with the line and column as written), or null. */
export function templateErrors(template: string, limits: Partial<RenderLimits> = {}): string | null {
  try {
    parseTemplate(template, { ...DEFAULT_RENDER_LIMITS, ...limits });
    return null;
  } catch (error) {
    if (error instanceof TemplateFailure) return error.message;
    throw error;
  }
}

/** The limits of a render, and `now`: the instant `'now'` means in it, from the caller's clock (virtual in a simulation). */
export interface RenderOptions extends Partial<RenderLimits> {
  now: number;
}

export function renderTemplate(
  template: string,
  context: TemplateContext,
  blocks: ContentBlocks,
  options: RenderOptions,
): TemplateResult<string> {
  return withFailures(() => new RenderSession(context, blocks, options).render(template));
}

export function withFailures<T>(render: () => T): TemplateResult<T> {
  try {
    return { ok: true, output: render() };
  } catch (error) {
    if (!(error instanceof TemplateFailure)) throw error;
    return {
      ok: false,
      reason: error.reason,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
    };
  }
}

interface Parsed {
  translation: Translation;
  templates: Template[];
}

/**
 * Parsed templates by source. A campaign's templates are rendered once per send, and parsing cost
 * more than rendering; parsed templates are never changed by a render, so they can be shared.
 */
const parsedTemplates = new Map<string, Parsed>();
const MAX_PARSED_TEMPLATES = 2000;

function parseTemplate(template: string, limits: RenderLimits): Parsed {
  // LiquidJS's own parseLimit adds up over the life of the instance, so the length is checked here.
  if (template.length > limits.templateChars)
    throw templateError(`template is longer than ${limits.templateChars} characters`);
  const cached = parsedTemplates.get(template);
  if (cached) return cached;
  const translation = translateBrazeSyntax(template);
  let parsed: Parsed;
  try {
    parsed = { translation, templates: liquid.parse(translation.liquid) };
  } catch (error) {
    throw describeError(error, translation);
  }
  if (parsedTemplates.size >= MAX_PARSED_TEMPLATES) parsedTemplates.clear();
  parsedTemplates.set(template, parsed);
  return parsed;
}

/**
 * Renders the templates of one message: they share the objects, the content blocks (parsed once)
 * and the limits, but not their assignments. Synchronous, so the engine can render inside a
 * transaction; nothing in a template can wait on anything.
 */
export class RenderSession {
  readonly #scope: object;
  readonly #blocks: ContentBlocks;
  readonly #limits: RenderLimits;
  readonly #parsedBlocks = new Map<string, Parsed>();
  readonly #openBlocks: string[] = [];
  #limiters: Pick<Context, 'renderLimit' | 'memoryLimit'> | undefined;
  #outputBytes = 0;

  constructor(context: TemplateContext, blocks: ContentBlocks, options: RenderOptions) {
    const { now, ...limits } = options;
    this.#blocks = blocks;
    this.#limits = { ...DEFAULT_RENDER_LIMITS, ...limits };
    this.#scope = {
      ...context,
      content_blocks: new ContentBlocksDrop((name, ctx) => this.#renderBlock(name, ctx)),
      [RENDER_NOW]: now,
    };
  }

  /** Renders one template; throws a TemplateFailure. */
  render(template: string): string {
    const parsed = parseTemplate(template, this.#limits);
    const output = this.#run(parsed, this.#newContext());
    this.#outputBytes += Buffer.byteLength(output);
    return output;
  }

  #newContext(): Context {
    if (this.#limiters) return new Context(this.#scope, liquid.options, { sync: true }, { ...this.#limiters, liquid });
    const ctx = new Context(
      this.#scope,
      liquid.options,
      { sync: true, memoryLimit: this.#limits.memory },
      {
        liquid,
        renderLimit: new WorkLimiter(this.#limits.steps, this.#limits.renderMs) as unknown as Context['renderLimit'],
      },
    );
    this.#limiters = { renderLimit: ctx.renderLimit, memoryLimit: ctx.memoryLimit };
    return ctx;
  }

  #run(parsed: Parsed, ctx: Context): string {
    const emitter = new LimitedEmitter(this.#limits.outputBytes, this.#outputBytes);
    try {
      toValueSync(liquid.renderer.renderTemplates(parsed.templates, ctx, emitter));
    } catch (error) {
      const failure = describeError(error, parsed.translation);
      throw failure.reason === 'template_error' ? templateError(this.#limitWording(failure.message)) : failure;
    }
    return emitter.buffer;
  }

  /** A block renders in the context of the template that reads it, so it sees (and makes) the same assignments. */
  #renderBlock(name: string, ctx: Context): string {
    const template = this.#blocks.get(name);
    if (template === undefined) throw templateError(`unknown content block "${name}"`);
    if (this.#openBlocks.includes(name))
      throw templateError(`content block cycle: ${[...this.#openBlocks, name].join(' → ')}`);
    this.#openBlocks.push(name);
    try {
      return this.#run(this.#parsedBlock(name, template), ctx);
    } catch (error) {
      if (!(error instanceof TemplateFailure) || error.reason === 'template_aborted') throw error;
      throw templateError(`content block "${name}": ${error.message}`);
    } finally {
      this.#openBlocks.pop();
    }
  }

  #parsedBlock(name: string, template: string): Parsed {
    let parsed = this.#parsedBlocks.get(name);
    if (!parsed) {
      parsed = parseTemplate(template, this.#limits);
      this.#parsedBlocks.set(name, parsed);
    }
    return parsed;
  }

  #limitWording(message: string): string {
    return message
      .replace(TIME_LIMIT_EXCEEDED, `render time limit exceeded (${this.#limits.renderMs} ms)`)
      .replace(STEP_LIMIT_EXCEEDED, `template work limit exceeded (${this.#limits.steps} steps)`)
      .replace('memory alloc limit exceeded', `memory limit exceeded (${this.#limits.memory})`);
  }
}

const STEP_LIMIT_EXCEEDED = 'template step limit exceeded';
const TIME_LIMIT_EXCEEDED = 'template render limit exceeded';

/**
 * Stands in for LiquidJS's render limiter (its `Limiter` is not exported), counting: LiquidJS calls
 * `check(performance.now())` before each node it renders and each loop iteration's body. The
 * count is the limit; the instants LiquidJS passes are compared only when a render time is asked
 * for, from the first one (so nothing here reads a clock).
 */
class WorkLimiter {
  #steps = 0;
  readonly #maxSteps: number;
  readonly #renderMs: number;
  #deadline: number | undefined;

  constructor(maxSteps: number, renderMs: number) {
    this.#maxSteps = maxSteps;
    this.#renderMs = renderMs;
  }

  check(now: number): void {
    if (++this.#steps > this.#maxSteps) throw new Error(STEP_LIMIT_EXCEEDED);
    this.#deadline ??= now + this.#renderMs;
    if (now > this.#deadline) throw new Error(TIME_LIMIT_EXCEEDED);
  }

  use(): void {}
}

/** Stops the render as soon as the output is too big, rather than building it and measuring after. */
class LimitedEmitter implements Emitter {
  buffer = '';
  readonly #limit: number;
  #bytes: number;

  constructor(limit: number, alreadyWritten: number) {
    this.#limit = limit;
    this.#bytes = alreadyWritten;
  }

  write(value: unknown): void {
    const text = stringify(value);
    this.#bytes += Buffer.byteLength(text);
    if (this.#bytes > this.#limit) throw templateError(`output size limit exceeded (${this.#limit} bytes)`);
    this.buffer += text;
  }
}

/** LiquidJS's own output conversion (not exported): nil is empty, arrays are joined. */
function stringify(value: unknown): string {
  const plain: unknown = toValue(value);
  if (typeof plain === 'string') return plain;
  if (plain == null) return '';
  if (Array.isArray(plain)) return plain.map(stringify).join('');
  return String(plain);
}
