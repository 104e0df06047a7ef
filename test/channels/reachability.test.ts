import { describe, expect, test } from 'vitest';
import { reach } from '../../src/channels/reachability.ts';
import type { SubscriptionState, UserRecord } from '../../src/core/user.ts';
import type { Channel } from '../../src/schemas/channel.ts';
import { user } from '../core/fixtures.ts';
import { HOOK, LINE, MAIL, SANDBOX, SMS } from './samples.ts';

const subscribed = (group: string, state: SubscriptionState) => ({ [group]: { state, changed_at: 0 } });
const ann = (fields: Partial<UserRecord> = {}) =>
  user('u-1', { external_id: 'ann', line_id: 'U123', phone: '+819012345678', email: 'ann@example.com', ...fields });
const MAIL_WITH_GROUP: Channel = { ...MAIL, subscription_group: 'newsletter' };
const SMS_WITHOUT_GROUP: Channel = { ...SMS, subscription_group: null };

describe('reach', () => {
  test.each<[string, Channel, UserRecord, ReturnType<typeof reach>]>([
    // LINE
    ['LINE: a never-seen user counts as subscribed', LINE, ann(), { ok: true, recipient: 'U123' }],
    [
      'LINE: followed',
      LINE,
      ann({ subscriptions: subscribed('line-friends', 'subscribed') }),
      { ok: true, recipient: 'U123' },
    ],
    [
      'LINE: unfollowed',
      LINE,
      ann({ subscriptions: subscribed('line-friends', 'unsubscribed') }),
      { ok: false, reason: 'not_subscribed' },
    ],
    [
      'LINE: another group unsubscribed does not matter',
      LINE,
      ann({ subscriptions: subscribed('other', 'unsubscribed') }),
      { ok: true, recipient: 'U123' },
    ],
    ['LINE: no line_id', LINE, ann({ line_id: null }), { ok: false, reason: 'no_address' }],
    [
      'LINE: no line_id and unfollowed is no_address',
      LINE,
      ann({ line_id: null, subscriptions: subscribed('line-friends', 'unsubscribed') }),
      { ok: false, reason: 'no_address' },
    ],
    [
      'LINE: a channel without a group',
      { ...LINE, subscription_group: undefined },
      ann(),
      { ok: true, recipient: 'U123' },
    ],
    // SMS
    ['SMS: without opt-in', SMS, ann(), { ok: false, reason: 'not_subscribed' }],
    [
      'SMS: opted in',
      SMS,
      ann({ subscriptions: subscribed('sms-marketing', 'subscribed') }),
      { ok: true, recipient: '+819012345678' },
    ],
    [
      'SMS: opted out',
      SMS,
      ann({ subscriptions: subscribed('sms-marketing', 'unsubscribed') }),
      { ok: false, reason: 'not_subscribed' },
    ],
    [
      'SMS: no phone',
      SMS,
      ann({ phone: null, subscriptions: subscribed('sms-marketing', 'subscribed') }),
      { ok: false, reason: 'no_address' },
    ],
    [
      'SMS: a channel without a group reaches every phone',
      SMS_WITHOUT_GROUP,
      ann(),
      { ok: true, recipient: '+819012345678' },
    ],
    // email
    ['email: no recorded state', MAIL, ann(), { ok: true, recipient: 'ann@example.com' }],
    [
      'email: opted_in',
      MAIL,
      ann({ standard: { email_subscribe: 'opted_in' } }),
      { ok: true, recipient: 'ann@example.com' },
    ],
    [
      'email: email_subscribe unsubscribed',
      MAIL,
      ann({ standard: { email_subscribe: 'unsubscribed' } }),
      { ok: false, reason: 'not_subscribed' },
    ],
    ['email: no email', MAIL, ann({ email: null }), { ok: false, reason: 'no_address' }],
    ['email: an empty email is no address', MAIL, ann({ email: '' }), { ok: false, reason: 'no_address' }],
    [
      'email: the group unsubscribed',
      MAIL_WITH_GROUP,
      ann({ subscriptions: subscribed('newsletter', 'unsubscribed') }),
      { ok: false, reason: 'not_subscribed' },
    ],
    ['email: the group never set', MAIL_WITH_GROUP, ann(), { ok: true, recipient: 'ann@example.com' }],
    [
      'email: subscribed to the group but email_subscribe unsubscribed',
      MAIL_WITH_GROUP,
      ann({ standard: { email_subscribe: 'unsubscribed' }, subscriptions: subscribed('newsletter', 'subscribed') }),
      { ok: false, reason: 'not_subscribed' },
    ],
    // webhook and sandbox
    [
      'webhook: everyone, by external_id',
      HOOK,
      ann({ line_id: null, phone: null, email: null }),
      { ok: true, recipient: 'ann' },
    ],
    ['webhook: without external_id, by id', HOOK, ann({ external_id: null }), { ok: true, recipient: 'u-1' }],
    ['sandbox: everyone, by external_id', SANDBOX, ann({ email: null }), { ok: true, recipient: 'ann' }],
    ['sandbox: without external_id, by id', SANDBOX, user('u-2'), { ok: true, recipient: 'u-2' }],
  ])('%s', (_name, channel, profile, expected) => {
    expect(reach(profile, channel)).toEqual(expected);
  });
});
