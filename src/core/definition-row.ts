/** The kinds of definition documents kept in the `definitions` table. */
export const DEFINITION_KINDS = ['campaign', 'segment', 'content_block', 'channel', 'canvas'] as const;

export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

export interface DefinitionRow<T = unknown> {
  kind: DefinitionKind;
  id: string;
  document: T;
  updated_at: number;
  /** Campaigns: when the status last became `active` (a trigger before it is `event_before_launch`). */
  activated_at: number | null;
}
