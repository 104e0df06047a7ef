import { describe, expect, test } from 'vitest';
import { decideSubscriptionChange, type SubscriptionChangeSource } from '../../src/core/subscription-change.ts';

const NOW = Date.parse('2026-03-06T08:00:00Z');
const ctx = { now: NOW, newId: () => 'e-1' };
const request = (
  current: 'subscribed' | 'unsubscribed' | null,
  state: 'subscribed' | 'unsubscribed',
  source: SubscriptionChangeSource = 'api',
) => ({
  userId: 'u-1',
  groupId: 'news',
  current,
  state,
  source,
});

describe('decideSubscriptionChange', () => {
  test('the same state again is no change', () => {
    expect(decideSubscriptionChange(request('subscribed', 'subscribed'), ctx)).toBeNull();
    expect(decideSubscriptionChange(request('unsubscribed', 'unsubscribed', 'sms_keyword'), ctx)).toBeNull();
  });

  test('a change from an API client is stored now and announced with the three properties /users/track gives', () => {
    expect(decideSubscriptionChange(request(null, 'subscribed'), ctx)).toEqual({
      row: { user_id: 'u-1', group_id: 'news', state: 'subscribed', changed_at: NOW },
      event: {
        id: 'e-1',
        user_id: 'u-1',
        name: 'subscription_changed',
        time: NOW,
        properties: { subscription_group_id: 'news', state: 'subscribed', previous_state: null },
        purchase: null,
        source: 'system',
        received_at: NOW,
      },
    });
  });

  test.each<SubscriptionChangeSource>([
    'sms_keyword',
    'provider_opt_out',
    'line_follow',
    'line_unfollow',
    'line_follower_import',
  ])('a change the engine makes itself (%s) names its cause', (source) => {
    expect(decideSubscriptionChange(request('subscribed', 'unsubscribed', source), ctx)?.event.properties).toEqual({
      subscription_group_id: 'news',
      state: 'unsubscribed',
      previous_state: 'subscribed',
      cause: source,
    });
  });
});
