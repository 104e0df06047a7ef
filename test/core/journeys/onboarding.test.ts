/** Seed 000_… of canvas.md: JOIN2023 → welcome → YES gets the coupon, STOP exits, anything else is not understood. */
import { describe, expect, test } from 'vitest';
import type { Trigger } from '../../../src/schemas/campaign.ts';
import { validateJourney } from '../../../src/core/journeys/validate-journey.ts';
import { NOW, snapshot, user } from '../fixtures.ts';
import { Driver, journey, story, text } from './support.ts';

const line = (trigger_words?: string[]): Trigger =>
  trigger_words
    ? { type: 'inbound_message', channel_type: 'line', trigger_words }
    : { type: 'inbound_message', channel_type: 'line' };

const onboarding = journey({
  welcome: {
    type: 'message',
    message: text('Welcome! Reply YES for a coupon'),
    next: 'ask',
    on_failure: 'sms-fallback',
  },
  ask: {
    type: 'action_paths',
    window_seconds: 86_400,
    ranked: false,
    groups: [
      { id: 'other', trigger: line(), next: 'not-understood' },
      { id: 'yes', trigger: line(['YES']), next: 'coupon' },
      { id: 'stop', trigger: line(['STOP']), exit: true },
    ],
    everyone_else: 'reminder',
  },
  coupon: { type: 'message', message: text('Your coupon'), next: null },
  'not-understood': { type: 'message', message: text('Sorry, not understood'), next: null },
  reminder: {
    type: 'delay',
    delay: { type: 'calendar_days', days: 1, time: '10:00', time_zone: 'user' },
    next: 'welcome-again',
  },
  'welcome-again': { type: 'message', message: text('Still there?'), next: null },
  'sms-fallback': { type: 'message', message: text('Welcome by SMS'), next: null },
});

/** 2026-03-06T12:00Z is 21:00 in Tokyo. */
const tokyo = () => user('u-1', { standard: { time_zone: 'Asia/Tokyo' } });

function welcomed(): Driver {
  const driver = new Driver(onboarding, tokyo());
  expect(story(driver.enter())).toEqual([
    'entered welcome',
    'step welcome',
    'send welcome Welcome! Reply YES for a coupon',
  ]);
  expect(driver.instance).toMatchObject({
    state: 'waiting',
    step: 'welcome',
    waiting_for: { kind: 'message_outcome' },
  });
  expect(story(driver.outcome('sent'))).toEqual([
    'step ask',
    'listen ask [other,yes,stop] until 2026-03-07T12:00:00.000Z',
  ]);
  return driver;
}

describe('the LINE onboarding of seed 000', () => {
  test('is a valid journey', () => {
    expect(validateJourney(onboarding)).toBeNull();
  });

  test('"yes" (any case) gets the coupon, and the reply is readable downstream', () => {
    const driver = welcomed();
    driver.at(NOW + 3_600_000);
    expect(story(driver.inbound(' yes '))).toEqual([
      'cancel ask',
      'path ask yes',
      'step coupon',
      'send coupon Your coupon',
    ]);
    expect(driver.instance.context).toMatchObject({
      entry: { source: 'test' },
      inbound: { channel_type: 'line', text: ' yes ' },
      event_properties: { text: ' yes ' },
    });
    expect(story(driver.outcome('sent'))).toEqual(['exited coupon completed']);
    expect(driver.instance).toMatchObject({ state: 'done', wake_at: null, waiting_for: null, version: 3 });
  });

  test('"stop" exits the journey at once', () => {
    const driver = welcomed();
    expect(story(driver.inbound('STOP'))).toEqual(['cancel ask', 'path ask stop', 'exited ask group_exit']);
    expect(driver.instance.state).toBe('done');
  });

  test('anything else is "not understood", though the trigger-less group comes first', () => {
    const driver = welcomed();
    expect(story(driver.inbound('hello'))).toEqual([
      'cancel ask',
      'path ask other',
      'step not-understood',
      'send not-understood Sorry, not understood',
    ]);
  });

  test('a later reply does not switch the path', () => {
    const driver = welcomed();
    driver.inbound('hello');
    const before = snapshot(driver.instance);
    expect(driver.inbound('YES')).toEqual([]);
    expect(driver.instance).toEqual(before);
  });

  test('an SMS or a custom event is no answer: the instance keeps waiting, unchanged', () => {
    const driver = welcomed();
    const before = snapshot(driver.instance);
    expect(driver.inbound('YES', 'sms')).toEqual([]);
    expect(driver.custom('inbound_message', { channel_type: 'line', text: 'YES' })).toEqual([]);
    expect(driver.instance).toEqual(before);
  });

  test('silence for a day → the reminder at 10:00 in the user zone, the next calendar day', () => {
    const driver = welcomed();
    driver.at('2026-03-07T11:59:59Z');
    expect(driver.timer()).toEqual([]);
    driver.at('2026-03-07T12:00:00Z');
    // 21:00 in Tokyo on the 7th: one calendar day later at 10:00 is the 8th, 01:00 UTC.
    expect(story(driver.timer())).toEqual([
      'path ask everyone_else',
      'step reminder',
      'wait reminder until 2026-03-08T01:00:00.000Z',
    ]);
    expect(driver.instance).toMatchObject({
      step: 'reminder',
      state: 'waiting',
      wake_at: Date.parse('2026-03-08T01:00:00Z'),
    });
    expect(driver.inbound('YES')).toEqual([]);
    driver.at('2026-03-08T01:00:00Z');
    expect(story(driver.timer())).toEqual(['step welcome-again', 'send welcome-again Still there?']);
  });

  test('a user without a zone gets the reminder at 10:00 company time', () => {
    const driver = new Driver(onboarding, user('u-2'));
    driver.companyTimeZone = 'Europe/Paris';
    driver.enter();
    driver.outcome('sent');
    driver.at('2026-03-07T12:00:00Z');
    expect(story(driver.timer()).at(-1)).toBe('wait reminder until 2026-03-08T09:00:00.000Z');
  });

  test('a welcome that fails takes the failure branch', () => {
    const driver = new Driver(onboarding, tokyo());
    driver.enter();
    expect(story(driver.outcome('failed'))).toEqual(['step sms-fallback', 'send sms-fallback Welcome by SMS']);
  });

  test('a suppressed welcome still goes on to the question', () => {
    const driver = new Driver(onboarding, tokyo());
    driver.enter();
    expect(story(driver.outcome('suppressed'))[0]).toBe('step ask');
  });
});
