import { describe, expect, test } from 'vitest';
import { buildTemplateContext, translateBrazeSyntax } from '../../../src/core/templates/index.ts';
import { markupSpans } from '../../../src/core/templates/markup.ts';
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
    ['{{ a.b.${x} }}', '{{ a.user.x }}'.replace('user.x', 'b.x')],
    ['{{ 9plan.${x} }}', '{{ 9user.x }}'.replace('user.x', 'plan.x')],
    ["{% if 'q'.${x} \"open ${y} %}", "{% if 'q'.user.x \"open user.y %}"],
    ['{{ ${a ${b} }}', '{{ ${a user.b }}'],
    ['{{ .${x} 9.${y} }}', '{{ .user.x 9.user.y }}'],
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

describe('translateBrazeSyntax in linear time', () => {
  // The single regular expression it used: the oracle for what the scan must find.
  const ORACLE = /'[^']*'|"[^"]*"|(?:([A-Za-z_]\w*)\.)?\$\{([^{}'"\n]*)\}/g;

  /** The translation the old regular expression made, for names with no standard or namespace renames. */
  const oracle = (template: string): string => {
    let out = '';
    let from = 0;
    for (const span of markupSpans(template)) {
      out += template.slice(from, span.start);
      out += template.slice(span.start, span.end).replace(ORACLE, (whole, namespace, name) => {
        if (name === undefined || name.trim() === '') return whole;
        const [root, ...rest] = [namespace ?? 'user', ...name.trim().split('.')];
        return root + rest.map((n: string) => (/^[A-Za-z_]\w*$/.test(n) ? `.${n}` : `["${n}"]`)).join('');
      });
      from = span.end;
    }
    return out + template.slice(from);
  };

  test('translates as the old regular expression did, on random markup', () => {
    const pieces = ['{{', '}}', '{%', '%}', '${', '}', '{', '.', 'a', 'b_', '9', "'", '"', ' ', '\n', '$', 'x'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let run = 0; run < 5000; run++) {
      const inner = Array.from({ length: 1 + random(16) }, () => pieces[random(pieces.length)]).join('');
      const template = random(2) === 0 ? `{{ ${inner} }}` : `{% if ${inner} %}`;
      expect(translateBrazeSyntax(template).liquid, template).toBe(oracle(template));
    }
  });

  test.each([
    ['a namespace', (id: string) => `{{ ${id}.\${x} }}`, (id: string) => `{{ ${id}.x }}`],
    ['a reference', (id: string) => `{{ \${${id}} }}`, (id: string) => `{{ user.${id} }}`],
    ['a plain identifier', (id: string) => `{{ ${id} }}`, (id: string) => `{{ ${id} }}`],
    ['an unclosed reference', (id: string) => `{{ \${${id} }}`, (id: string) => `{{ \${${id} }}`],
  ])('a 200,000-character identifier in %s is translated at once', (_name, template, liquid) => {
    const id = 'a'.repeat(200_000);
    const started = performance.now();
    expect(translateBrazeSyntax(template(id)).liquid).toBe(liquid(id));
    expect(performance.now() - started).toBeLessThan(100);
  });

  test('20,000 outputs and no tag are found at once', () => {
    const template = '{{x}}'.repeat(20_000);
    const started = performance.now();
    expect(translateBrazeSyntax(template).liquid).toBe(template);
    expect(performance.now() - started).toBeLessThan(100);
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
