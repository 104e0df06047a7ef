/**
 * Whether an action (an event, an inbound message) qualifies for an action-paths group's trigger.
 * Keys and word tests are the campaigns' own (triggers.ts, trigger-words.ts), so a group answers
 * exactly what a campaign trigger of the same shape would.
 */
import type { Trigger } from '../../schemas/campaign.ts';
import type { Json } from '../user.ts';
import { matchesPropertyFilters } from '../campaigns/property-filter.ts';
import { compileTriggerWords, prepareText } from '../campaigns/trigger-words.ts';
import { eventTriggerHolds, occurrenceKeys, triggerKey, type Occurrence } from '../campaigns/triggers.ts';

export function hasTriggerWords(trigger: Trigger): boolean {
  return trigger.type === 'inbound_message' && (trigger.trigger_words ?? []).length > 0;
}

/**
 * Inside a journey a trigger-less inbound group is the "unrecognized" else of its step (it is
 * tried after the worded groups), so `unrecognized` adds nothing here.
 */
export function actionQualifies(trigger: Trigger, occurrence: Occurrence, journeyId: string): boolean {
  if (!occurrenceKeys(occurrence).includes(triggerKey(trigger, journeyId))) return false;
  const event = occurrence.kind === 'event' ? occurrence.event : null;
  if (trigger.type !== 'inbound_message') return eventTriggerHolds(trigger, event, matchesPropertyFilters);
  if (event === null) return false;
  const p = event.properties;
  if (trigger.channel !== undefined && trigger.channel !== text(p.channel)) return false;
  if (trigger.subscription_group !== undefined && trigger.subscription_group !== text(p.subscription_group))
    return false;
  const words = compileTriggerWords(trigger);
  return words === null || words(prepareText(text(p.text) ?? ''));
}

function text(value: Json | undefined): string | null {
  return typeof value === 'string' ? value : null;
}
