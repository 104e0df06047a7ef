import { describe, expect, test } from 'vitest';
import type { Campaign } from '../../../src/schemas/campaign.ts';
import { planSendTime } from '../../../src/core/campaigns/send-time.ts';
import { CAMPAIGN_STEP, journeyFromCampaign } from '../../../src/core/journeys/from-campaign.ts';
import { validateJourney } from '../../../src/core/journeys/validate-journey.ts';
import { NOW, user } from '../fixtures.ts';
import { Driver, story } from './support.ts';

const campaign = (fields: Partial<Campaign> = {}): Campaign => ({
  id: 'welcome',
  name: 'Welcome',
  status: 'active',
  trigger: { type: 'custom_event', event: 'signed_up' },
  message: { channel: 'line-main', default: { type: 'text', text: 'Hi' } },
  ...fields,
});

describe('a campaign compiles to a one-step journey', () => {
  test('one message step with the campaign message, valid', () => {
    const compiled = journeyFromCampaign(campaign(), 4);
    expect(compiled).toMatchObject({ id: 'welcome', version: 4, first_step: CAMPAIGN_STEP });
    expect(Object.keys(compiled.steps)).toEqual([CAMPAIGN_STEP]);
    expect(compiled.steps[CAMPAIGN_STEP]).toMatchObject({ type: 'message', message: campaign().message, next: null });
    expect(validateJourney(compiled)).toBeNull();
  });

  test('a delayed campaign waits until its computed send time, then emits exactly one send_message', () => {
    const delayed = campaign({
      delay: { type: 'calendar_days', days: 2, time: '09:30', time_zone: 'user' },
      time_window: { start: '06:00', end: '09:00', time_zone: 'user', send_at_next_available: true },
    });
    const profile = user('u-1', { standard: { time_zone: 'America/New_York' } });
    const planned = planSendTime(delayed, {
      triggeredAt: NOW,
      activatedAt: null,
      userTimeZone: 'America/New_York',
      companyTimeZone: 'UTC',
    });
    expect(planned).toMatchObject({ kind: 'send', deferred: true });
    const at = planned.kind === 'send' ? planned.at : Number.NaN;
    // 07:00 in New York on the 6th; two days later at 09:30 is past the window, which next opens at 06:00 EDT on the 9th.
    expect(new Date(at).toISOString()).toBe('2026-03-09T10:00:00.000Z');

    const driver = new Driver(journeyFromCampaign(delayed), profile);
    expect(driver.enter()).toEqual([
      { type: 'record', outcome: 'entered', step: CAMPAIGN_STEP },
      { type: 'record', outcome: 'step', step: CAMPAIGN_STEP },
      { type: 'wait_until', step: CAMPAIGN_STEP, at },
    ]);
    expect(driver.instance.wake_at).toBe(at);
    driver.at(at - 1);
    expect(driver.timer()).toEqual([]);
    driver.at(at);
    expect(driver.timer()).toEqual([{ type: 'send_message', step: CAMPAIGN_STEP, message: delayed.message }]);
    expect(driver.timer()).toEqual([]);
    expect(story(driver.outcome('sent'))).toEqual(['exited message completed']);
    expect(driver.outcome('sent')).toEqual([]);
  });

  test('an undelayed campaign sends at entry', () => {
    const driver = new Driver(journeyFromCampaign(campaign()));
    expect(story(driver.enter())).toEqual(['entered message', 'step message', 'send message Hi']);
  });

  test('a send after the campaign ends is suppressed, as for campaigns', () => {
    const ending = campaign({ delay: { type: 'duration', seconds: 7200 }, ends_at: '2026-03-06T13:00:00Z' });
    const driver = new Driver(journeyFromCampaign(ending));
    expect(story(driver.enter())).toEqual([
      'entered message',
      'step message',
      'suppressed message outside_duration',
      'exited message completed',
    ]);
  });
});
