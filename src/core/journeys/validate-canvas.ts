import type { Canvas } from '../../schemas/canvas.ts';
import type { Message } from '../../schemas/content.ts';
import { validateAudience, validateUserFilter, type KnownDefinitions } from '../campaigns/audience.ts';
import type { Problem } from '../campaigns/validate-definitions.ts';
import { journeyFromCanvas } from './from-canvas.ts';
import { validateJourney } from './validate-journey.ts';

/**
 * What a canvas's schema cannot say, each problem named under `canvases[ID]`: the journey's own
 * refusals (validate-journey.ts), then the segments, subscription groups and channels its
 * audiences, filters and messages name. The version does not matter to validation, so the
 * conversion gets 0.
 */
export function validateCanvas(
  canvas: Canvas,
  known: KnownDefinitions & { channels: { has(id: string): boolean } },
): Problem[] {
  const base = `canvases[${canvas.id}]`;
  const problems: Problem[] = [];
  const journey = validateJourney(journeyFromCanvas(canvas, 0));
  if (journey) {
    const field = `${base}.${journey.field}`;
    problems.push({ field, message: `'${field}' ${journey.message}` });
  }
  const { starts_at: startsAt, ends_at: endsAt } = canvas.entry;
  if (startsAt && endsAt && Date.parse(endsAt) <= Date.parse(startsAt)) {
    const field = `${base}.entry.ends_at`;
    problems.push({ field, message: `'${field}' (${endsAt}) must be after starts_at (${startsAt})` });
  }
  const audiences: Array<[string, Canvas['entry']['audience']]> = [
    [`${base}.entry.audience`, canvas.entry.audience],
    [`${base}.exit.audience`, canvas.exit?.audience],
  ];
  for (const [path, audience] of audiences) push(problems, path, validateAudience(audience, known, path));
  for (const [id, step] of Object.entries(canvas.steps)) {
    const path = `${base}.steps.${id}`;
    if (step.type === 'message') problems.push(...channelProblems(step.message, `${path}.message`, known.channels));
    if (step.type === 'decision_split')
      push(problems, `${path}.filter`, validateUserFilter(step.filter, known, `${path}.filter`));
    if (step.type === 'audience_paths')
      for (const [i, p] of step.paths.entries())
        push(problems, `${path}.paths[${i}].filter`, validateUserFilter(p.filter, known, `${path}.paths[${i}].filter`));
  }
  return problems;
}

/** Each channel a message names must exist, as for a campaign's message. */
function channelProblems(message: Message, path: string, channels: { has(id: string): boolean }): Problem[] {
  const refs: Array<[string, string]> = [
    [`${path}.channel`, message.channel],
    ...(message.fallback ? [[`${path}.fallback.channel`, message.fallback.channel] as [string, string]] : []),
    ...Object.keys(message.by_channel ?? {}).map((c): [string, string] => [`${path}.by_channel.${c}`, c]),
    ...Object.keys(message.fallback?.by_channel ?? {}).map((c): [string, string] => [
      `${path}.fallback.by_channel.${c}`,
      c,
    ]),
  ];
  return refs
    .filter(
      ([field, channel]) => !(channel === 'last_interacted' && field.endsWith('.channel')) && !channels.has(channel),
    )
    .map(([field, channel]) => ({ field, message: `'${field}' names no channel: ${JSON.stringify(channel)}` }));
}

function push(problems: Problem[], field: string, message: string | null): void {
  if (message !== null) problems.push({ field, message });
}
