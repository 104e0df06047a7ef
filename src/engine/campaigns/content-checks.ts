import type { ContentChecks, DefinitionSet, Problem } from '../../core/campaigns/validate-definitions.ts';
import { defaultTextTooLong } from '../../core/campaigns/default-text.ts';
import { newUserRecord } from '../../core/user.ts';
import {
  buildTemplateContext,
  contentBlockReferences,
  findContentBlockCycle,
  renderContent,
  templateErrors,
} from '../../core/templates/index.ts';
import type { Campaign } from '../../schemas/campaign.ts';
import { validateContentForChannel } from '../../channels/registry.ts';
import type { ChannelType } from '../../schemas/channel.ts';
import type { Content, ContentBlock } from '../../schemas/content.ts';

/**
 * Save-time checks of message content. Templates are rendered once with an empty user: that
 * finds syntax errors and unknown content blocks, while missing values render empty as they
 * would at send time, and `'now'` is `now`, the engine's clock. A template that aborts is not an
 * error (it may abort only for some users).
 */
export const contentChecks = (now: number): ContentChecks => ({
  message(campaign: Campaign, path: string, set: DefinitionSet): Problem[] {
    const blocks = new Map(set.content_blocks.map((b) => [b.id, b.template]));
    const typeOf = (channelId: string) => set.channelTypes.get(channelId) ?? null;
    // Each content with the channel it goes to, when that is known before sending.
    const contents: Array<[string, Content, string | null]> = [];
    for (const [message, base] of [
      [campaign.message, path],
      ...(campaign.message.fallback ? [[campaign.message.fallback, `${path}.fallback`] as const] : []),
    ] as const) {
      contents.push([
        `${base}.default`,
        message.default,
        message.channel === 'last_interacted' ? null : typeOf(message.channel),
      ]);
      for (const [channel, content] of Object.entries(message.by_channel ?? {}))
        contents.push([`${base}.by_channel.${channel}`, content, typeOf(channel)]);
    }
    const context = buildTemplateContext({
      user: newUserRecord('check', 0),
      campaign: { id: campaign.id, name: campaign.name },
    });
    const problems: Problem[] = [];
    for (const [field, content, channelType] of contents) {
      const refused = channelType === null ? null : validateContentForChannel(content, channelType as ChannelType);
      if (refused) problems.push({ field, message: `'${field}': ${refused}` });
      // Only static text can be measured before rendering; a template's output is measured when it is sent.
      const tooLong =
        field.endsWith('.default') && content.type === 'text' && !/\{\{|\{%/.test(content.text)
          ? defaultTextTooLong(content.text)
          : null;
      if (tooLong) problems.push({ field: `${field}.text`, message: `'${field}.text': ${tooLong}` });
      const rendered = renderContent(content, context, blocks, { now });
      if (!rendered.ok && rendered.reason === 'template_error') {
        const at = rendered.field ? `${field}.${rendered.field}` : field;
        problems.push({ field: at, message: `'${at}': ${rendered.message}` });
      }
    }
    return problems;
  },

  contentBlocks(blocks: ContentBlock[], only?: ReadonlySet<string>): Problem[] {
    const problems: Problem[] = [];
    const byId = new Map(blocks.map((b) => [b.id, b.template]));
    for (const block of blocks) {
      if (only && !only.has(block.id)) continue;
      const field = `content_blocks[${block.id}].template`;
      const syntax = templateErrors(block.template);
      if (syntax) problems.push({ field, message: `'${field}': ${syntax}` });
      for (const name of contentBlockReferences(block.template)) {
        if (!byId.has(name))
          problems.push({ field, message: `'${field}' includes content block '${name}', which does not exist` });
      }
    }
    const cycle = findContentBlockCycle(byId, only);
    if (cycle)
      problems.push({
        field: `content_blocks[${cycle[0]}].template`,
        message: `content blocks include each other in a cycle: ${cycle.join(' → ')}`,
      });
    return problems;
  },
});
