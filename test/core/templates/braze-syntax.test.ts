import { describe, expect, test } from 'vitest';
import { buildTemplateContext, translateBrazeSyntax } from '../../../src/core/templates/index.ts';
import { user } from '../fixtures.ts';
import { aiko } from './support.ts';

describe('translateBrazeSyntax', () => {
  test.each([
    ['{{${first_name}}}', '{{user.first_name}}'],
    [
      '{{ ${email_address} }} {{${phone_number}}} {{${user_id}}} {{${city}}} {{${date_of_birth}}}',
      '{{ user.email }} {{user.phone}} {{user.external_id}} {{user.home_city}} {{user.dob}}',
    ],
    ['{{custom_attribute.${plan}}}', '{{user.custom.plan}}'],
    ['{{custom_attribute.${address.city}}}', '{{user.custom.address.city}}'],
    ['{{custom_attribute.${favorite color}}}', '{{user.custom["favorite color"]}}'],
    ['{{custom_attribute.${items.0}}}', '{{user.custom.items["0"]}}'],
    ['{{event_properties.${x}}}', '{{event.properties.x}}'],
    ['{{api_trigger_properties.${x}}}', '{{api.x}}'],
    ['{{content_blocks.${footer-2}}}', '{{content_blocks["footer-2"]}}'],
    ['{{campaign.${api_id}}}', '{{campaign.id}}'],
    ['{{sms.${inbound_message_body}}}', '{{inbound.text}}'],
    ['{{subscribed_state.${email_global}}}', '{{subscribed_state.email_global}}'],
    ["{% if ${language} == 'ja' %}", "{% if user.language == 'ja' %}"],
    ["{% assign s = '${first_name}' %}", "{% assign s = '${first_name}' %}"],
    ['no markup ${first_name}', 'no markup ${first_name}'],
    ['{{ ${first_name} unclosed', '{{ ${first_name} unclosed'],
  ])('%s', (template, liquid) => {
    expect(translateBrazeSyntax(template).liquid).toBe(liquid);
  });

  test('offsets map back to the template as written', () => {
    const translation = translateBrazeSyntax('x {{${email_address}}} y');
    expect(translation.liquid).toBe('x {{user.email}} y');
    expect(translation.originalOffset(2)).toBe(2); // {{
    expect(translation.originalOffset(6)).toBe(4); // inside the rewritten reference: its start
    expect(translation.originalOffset(14)).toBe(20); // }}
    expect(translation.originalOffset(17)).toBe(23); // y
  });
});

describe('buildTemplateContext', () => {
  test('standard attributes are flat, custom attributes under custom, absent objects null', () => {
    expect(buildTemplateContext({ user: aiko, campaign: { id: 'c', name: 'C' } })).toEqual({
      user: {
        id: 'u-1',
        external_id: 'ext-1',
        email: 'aiko@example.com',
        phone: '+819012345678',
        line_id: 'U1234',
        first_name: 'Aiko',
        last_name: 'Sato',
        dob: '1990-04-01',
        gender: 'F',
        country: 'JP',
        language: 'ja',
        home_city: 'Osaka',
        time_zone: 'Asia/Tokyo',
        email_subscribe: 'opted_in',
        custom: aiko.custom,
      },
      event: null,
      api: {},
      inbound: null,
      campaign: { id: 'c', name: 'C' },
    });
  });

  test('a user with nothing set has nulls, not undefined', () => {
    const { user: templateUser } = buildTemplateContext({ user: user('u-2'), campaign: { id: 'c', name: 'C' } });
    expect(Object.values(templateUser).filter((value) => value === undefined)).toEqual([]);
  });
});
