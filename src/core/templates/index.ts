/** Liquid templates: what a message says, personalised. See docs/decisions.md ("Templates"). */
export {
  buildTemplateContext,
  type TemplateCampaign,
  type TemplateContext,
  type TemplateContextInput,
  type TemplateEvent,
  type TemplateInbound,
  type TemplateUser,
} from './context.ts';
export { contentBlockReferences, findContentBlockCycle, type ContentBlocks } from './content-blocks.ts';
export { ABORTED_WITHOUT_REASON, type TemplateFailureReason } from './failure.ts';
export {
  DEFAULT_RENDER_LIMITS,
  renderTemplate,
  templateErrors,
  type RenderLimits,
  type TemplateResult,
} from './render.ts';
export { renderContent } from './render-content.ts';
export { translateBrazeSyntax } from './braze-syntax.ts';
