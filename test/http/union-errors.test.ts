import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeAjvErrors, checkValue } from '../../src/http/validation.ts';
import { CampaignSchema, TriggerSchema } from '../../src/schemas/campaign.ts';
import { ChannelSchema } from '../../src/schemas/channel.ts';
import { SegmentSchema } from '../../src/schemas/filters.ts';
import { TrackAttributesSchema } from '../../src/schemas/track-objects.ts';
import { describeEachStore } from '../support/stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const OPS =
  'eq, neq, gt, gte, lt, lte, between, in, not_in, exists, not_exists, contains, not_contains, starts_with, ends_with, regex';
const TRIGGER_TYPES =
  'custom_event, purchase, session_start, inbound_message, email_added, subscription_changed, campaign_interaction, conversion, exception, api';

const errorsOf = (schema: Parameters<typeof checkValue>[0], value: unknown) => checkValue(schema, value)?.errors;

describe('a failed union names the deepest failing field of the branch the value meant', () => {
  test('a literal union lists what is allowed and what was given', () => {
    expect(
      errorsOf(TriggerSchema, { type: 'custom_event', event: 'x', filters: [{ property: 'a', op: 'almost' }] }),
    ).toEqual([{ field: 'filters[0].op', message: `must be one of ${OPS}; got "almost"` }]);
  });

  test('the discriminator picks the branch: its errors are reported, not the other branches', () => {
    expect(errorsOf(TriggerSchema, { type: 'subscription_changed', subscription_group: 'Not A Slug' })).toEqual([
      { field: 'subscription_group', message: expect.stringMatching(/^must match pattern/) },
    ]);
    expect(errorsOf(ChannelSchema, { id: 'l', type: 'line', channel_secret: 5 })).toEqual([
      { field: 'channel_secret', message: 'must be a string, an object or null; got 5' },
    ]);
    expect(errorsOf(ChannelSchema, { id: 'l', type: 'line', bogus: 1 })).toEqual([
      { field: 'bogus', message: 'is not a known field' },
    ]);
  });

  test('a discriminator naming no branch is the error, with the allowed values', () => {
    expect(errorsOf(TriggerSchema, { type: 'custom_evnt', event: 'x' })).toEqual([
      { field: 'type', message: `must be one of ${TRIGGER_TYPES}; got "custom_evnt"` },
    ]);
    expect(errorsOf(TriggerSchema, { event: 'x' })).toEqual([
      { field: 'type', message: `is required: one of ${TRIGGER_TYPES}` },
    ]);
    expect(errorsOf(ChannelSchema, { id: 'c', type: 'lime' })).toEqual([
      { field: 'type', message: 'must be one of line, twilio_sms, smtp, webhook, sandbox; got "lime"' },
    ]);
  });

  test('a value of the wrong JSON type is named with the types allowed', () => {
    expect(errorsOf(ChannelSchema, 'line')).toEqual([{ field: '(body)', message: 'must be an object; got "line"' }]);
    expect(errorsOf(TrackAttributesSchema, { external_id: 'x', first_name: 5, email_subscribe: 'maybe' })).toEqual([
      { field: 'first_name', message: 'must be a string or null; got 5' },
      { field: 'email_subscribe', message: 'must be one of opted_in, subscribed, unsubscribed, null; got "maybe"' },
    ]);
  });

  test('unions inside recursive schemas (all / any / not) are followed to the failing field', () => {
    expect(errorsOf(SegmentSchema, { id: 's', filters: [{ all: [{ attribute: 'plan', op: 'almost' }] }] })).toEqual([
      { field: 'filters[0].all[0].op', message: `must be one of ${OPS}; got "almost"` },
    ]);
    expect(
      errorsOf(SegmentSchema, {
        id: 's',
        filters: [{ not: { not: { any: [{ subscription_group: 'g', state: 'maybe' }] } } }],
      }),
    ).toEqual([
      { field: 'filters[0].not.not.any[0].state', message: 'must be one of subscribed, unsubscribed; got "maybe"' },
    ]);
  });

  test('a value like none of the branches is told the field that sets each apart', () => {
    expect(errorsOf(SegmentSchema, { id: 's', filters: [{ foo: 1 }] })).toEqual([
      {
        field: 'filters[0]',
        message: 'must have one of the fields attribute, subscription_group, received_campaign, all, any, not',
      },
    ]);
  });

  test('nested unions and the rest of the document are reported together', () => {
    expect(
      errorsOf(CampaignSchema, {
        id: 'c',
        name: 'c',
        status: 'live',
        trigger: { type: 'api' },
        delay: { type: 'duration', seconds: -1 },
        message: { channel: 'x', default: { type: 'text', text: 'hi' } },
      }),
    ).toEqual([
      { field: 'status', message: 'must be one of draft, active, paused, archived; got "live"' },
      { field: 'delay.seconds', message: 'must be >= 0' },
    ]);
  });

  test('errors of an Ajv without verbose still name the union', () => {
    expect(
      describeAjvErrors([
        { keyword: 'anyOf', instancePath: '/trigger', schemaPath: '#/anyOf', params: {}, message: 'x' },
      ]),
    ).toEqual([{ field: 'trigger', message: 'does not match any of the allowed forms' }]);
  });
});

describeEachStore('union errors over HTTP', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server.close();
  });

  test("POST /v1/apply names 'campaigns[0].trigger.filters[0].op' and what is allowed", async () => {
    const reply = await server.call('POST', '/v1/apply', {
      campaigns: [
        {
          id: 'c1',
          name: 'c',
          status: 'active',
          trigger: { type: 'custom_event', event: 'e', filters: [{ property: 'p', op: 'almost', value: 1 }] },
          message: { channel: 'x', default: { type: 'text', text: 'hi' } },
        },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([
      { field: 'campaigns[0].trigger.filters[0].op', message: `must be one of ${OPS}; got "almost"` },
    ]);
    expect(reply.body.message).toBe(
      `Invalid request body: 'campaigns[0].trigger.filters[0].op' must be one of ${OPS}; got "almost"`,
    );
  });

  test('PUT /v1/channels/{id} with one wrong field of a LINE channel names that field', async () => {
    const reply = await server.call('PUT', '/v1/channels/line-main', {
      id: 'line-main',
      type: 'line',
      channel_secret: 'secret',
      api_base_url: 'ftp://example.com',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ field: 'api_base_url', message: 'must match pattern "^https?://"' }]);
  });
});
