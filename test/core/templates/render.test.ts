import { describe, expect, test } from 'vitest';
import { buildTemplateContext, renderTemplate, templateErrors } from '../../../src/core/templates/index.ts';
import { user } from '../fixtures.ts';
import { context, noBlocks, NOW } from './support.ts';

const render = (template: string) => renderTemplate(template, context(), noBlocks, { now: NOW });

describe('objects', () => {
  test.each([
    ['{{ user.first_name }} {{ user.last_name }}', 'Aiko Sato'],
    [
      '{{ user.email }} {{ user.phone }} {{ user.line_id }} {{ user.external_id }} {{ user.id }}',
      'aiko@example.com +819012345678 U1234 ext-1 u-1',
    ],
    [
      '{{ user.country }} {{ user.language }} {{ user.time_zone }} {{ user.home_city }} {{ user.dob }} {{ user.gender }}',
      'JP ja Asia/Tokyo Osaka 1990-04-01 F',
    ],
    ['{{ user.custom.plan }} {{ user.custom.address.city }} {{ user.custom["favorite color"] }}', 'gold Kobe red'],
    ['{{ event.name }} {{ event.properties.sku }}', 'purchase A-1'],
    ['{{ api.coupon }} {{ api.order.id }}', 'SAVE10 77'],
    ['{{ inbound.text }} {{ inbound.channel }}', 'STOP sms-main'],
    ['{{ campaign.id }} {{ campaign.name }}', 'cart-reminder Cart reminder'],
  ])('%s', (template, output) => {
    expect(render(template)).toEqual({ ok: true, output });
  });

  test('absent objects and missing values render empty, as in Braze', () => {
    const bare = buildTemplateContext({ user: user('u-2'), campaign: { id: 'c', name: 'C' } });
    const template =
      '[{{ user.first_name }}|{{ user.custom.plan }}|{{ event.name }}|{{ event.properties.x }}|{{ api.x }}|{{ inbound.text }}|{{ nope.deep.path }}]';
    expect(renderTemplate(template, bare, noBlocks, { now: NOW })).toEqual({ ok: true, output: '[||||||]' });
  });
});

describe('Braze syntax', () => {
  test.each([
    ['{{${first_name}}}', 'Aiko'],
    ['{{ ${last_name} }}', 'Sato'],
    ['{{${email_address}}}', 'aiko@example.com'],
    ['{{${phone_number}}}', '+819012345678'],
    ['{{${user_id}}}', 'ext-1'],
    ['{{${braze_id}}}', 'u-1'],
    ['{{${country}}} {{${language}}} {{${time_zone}}}', 'JP ja Asia/Tokyo'],
    ['{{${city}}}', 'Osaka'],
    ['{{${date_of_birth}}}', '1990-04-01'],
    ['{{${gender}}}', 'F'],
    ['{{${line_id}}}', 'U1234'],
    ['{{custom_attribute.${plan}}}', 'gold'],
    ['{{custom_attribute.${address.city}}}', 'Kobe'],
    ['{{custom_attribute.${favorite color}}}', 'red'],
    ['{{event_properties.${sku}}}', 'A-1'],
    ['{{api_trigger_properties.${coupon}}}', 'SAVE10'],
    ['{{canvas_entry_properties.${coupon}}} {{context.${coupon}}}', 'SAVE10 SAVE10'],
    ['{{campaign.${api_id}}} {{campaign.${name}}}', 'cart-reminder Cart reminder'],
    ['{{sms.${inbound_message_body}}}', 'STOP'],
    ["{% if ${language} == 'ja' %}こんにちは{% else %}Hello{% endif %}", 'こんにちは'],
    ['{% assign p = custom_attribute.${points} | plus: 1 %}{{ p }}', '1201'],
    ['{%- if ${first_name} -%} yes {%- endif -%}', 'yes'],
    ['{% liquid\n assign n = ${first_name}\n echo n %}', 'Aiko'],
    ['{{ ${unknown_attribute} }}|{{ custom_attribute.${missing} }}|{{ whatever.${x} }}', '||'],
  ])('%s', (template, output) => {
    expect(render(template)).toEqual({ ok: true, output });
  });

  test.each([
    ["{{ ${first_name} | default: 'there' }}", 'Aiko'],
    ["{{ ${first_name} | default: 'there' }}", 'there', user('u-2')],
    ["{{ custom_attribute.${plan} | default: 'free' | upcase }}", 'FREE', user('u-2')],
    ["{{ custom_attribute.${churned} | default: 'x' }}", 'x'],
  ])('%s keeps its filters', (template, output, who = undefined) => {
    const ctx = who ? buildTemplateContext({ user: who, campaign: { id: 'c', name: 'C' } }) : context();
    expect(renderTemplate(template, ctx, noBlocks, { now: NOW })).toEqual({ ok: true, output });
  });

  test.each([
    ["{{ 'costs ${price}' }}", 'costs ${price}'],
    ['Total: ${price}', 'Total: ${price}'],
    ['{% raw %}{{${first_name}}}{% endraw %}', '{{${first_name}}}'],
  ])('%s: ${…} outside markup, in strings and in raw is text', (template, output) => {
    expect(render(template)).toEqual({ ok: true, output });
  });
});

describe('abort_message', () => {
  test.each([
    ["{% abort_message('not a member') %}", 'not a member'],
    ['{% abort_message("double quoted") %}', 'double quoted'],
    ["{% abort_message 'no parentheses' %}", 'no parentheses'],
    ["{% abort_message('no plan: ' | append: ${first_name}) %}", 'no plan: Aiko'],
    ['{% abort_message() %}', '{% abort_message %} called'],
    ['{% abort_message %}', '{% abort_message %} called'],
    ["{% abort_message('') %}", '{% abort_message %} called'],
  ])('%s', (template, message) => {
    expect(render(template)).toEqual({ ok: false, reason: 'template_aborted', message });
  });

  test('an abort in a branch not taken does nothing; one taken discards the output so far', () => {
    const template = "Hi{% if custom_attribute.${plan} == 'gold' %}{% abort_message('gold') %}{% endif %}";
    expect(render(template)).toEqual({ ok: false, reason: 'template_aborted', message: 'gold' });
    expect(
      renderTemplate(
        template,
        buildTemplateContext({ user: user('u-2'), campaign: { id: 'c', name: 'C' } }),
        noBlocks,
        { now: NOW },
      ),
    ).toEqual({ ok: true, output: 'Hi' });
  });
});

describe('values', () => {
  test.each([
    ['{{ custom_attribute.${points} }}', '1200'],
    ['{{ custom_attribute.${ratio} }}', '1.5'],
    ['{{ custom_attribute.${vip} }} {{ custom_attribute.${churned} }}', 'true false'],
    ['{{ custom_attribute.${nothing} }}', ''],
    [
      '{{ custom_attribute.${tags} }} {{ custom_attribute.${tags} | join: "," }} {{ custom_attribute.${tags}.size }}',
      'ab a,b 2',
    ],
    ['{{ event_properties.${price} | times: 2 }}', '19'],
    ['{{ api.order | json }}', '{"id":77}'],
  ])('%s', (template, output) => {
    expect(render(template)).toEqual({ ok: true, output });
  });

  test('output is not HTML-escaped (Braze does not escape)', () => {
    const ctx = context({ api: { html: '<b>"Tom" & Jerry</b>' } });
    expect(renderTemplate('{{ api.html }} {{ "<i>" }}', ctx, noBlocks, { now: NOW })).toEqual({
      ok: true,
      output: '<b>"Tom" & Jerry</b> <i>',
    });
    expect(renderTemplate('{{ api.html | escape }}', ctx, noBlocks, { now: NOW })).toEqual({
      ok: true,
      output: '&lt;b&gt;&#34;Tom&#34; &amp; Jerry&lt;/b&gt;',
    });
  });
});

describe('filters', () => {
  test.each([
    ["{{ 'a b&c=d' | url_param_escape }}", 'a%20b%26c%3Dd'],
    ['{{ api.text | json_escape }}', 'say \\"hi\\"\\n'],
    ["{{ user | property_accessor: 'first_name' }}", 'Aiko'],
    ["{{ '2026-03-06T12:00:00Z' | date: '%Y-%m-%d %H:%M' }}", '2026-03-06 12:00'],
    ["{{ '2026-03-06T12:00:00Z' | time_zone: ${time_zone} | date: '%H:%M %z' }}", '21:00 +0900'],
    ["{{ 1772798400 | time_zone: 'America/New_York' | date: '%H:%M' }}", '07:00'],
  ])('%s', (template, output) => {
    expect(renderTemplate(template, context({ api: { text: 'say "hi"\n' } }), noBlocks, { now: NOW })).toEqual({
      ok: true,
      output,
    });
  });

  test('the date filter works in UTC whatever the server zone', () => {
    expect(render("{{ 'now' | date: '%z' }}")).toEqual({ ok: true, output: '+0000' });
  });

  test("'now' is the render's clock (the engine's, virtual in a simulation), not the system's", () => {
    const now = Date.UTC(2031, 4, 6, 7, 8, 9);
    const at = (template: string) => renderTemplate(template, context(), noBlocks, { now });
    expect(at("{{ 'now' | date: '%Y-%m-%d %H:%M:%S' }}")).toEqual({ ok: true, output: '2031-05-06 07:08:09' });
    expect(at("{{ 'today' | date: '%A' }}")).toEqual({ ok: true, output: 'Tuesday' });
    expect(at("{{ 'now' | time_zone: 'Asia/Tokyo' | date: '%H:%M %z' }}")).toEqual({ ok: true, output: '16:08 +0900' });
    expect(at("{{ '2026-03-06T12:00:00Z' | date: '%Y' }}")).toEqual({ ok: true, output: '2026' });
  });
});

describe('isolation', () => {
  test.each([
    ['{% include "/etc/passwd" %}', 'tag "include" is not available'],
    ["{% include 'secrets.liquid' %}", 'tag "include" is not available'],
    ['{% render "x" %}', 'tag "render" is not available'],
    ['{% layout "x" %}', 'tag "layout" is not available'],
    ['{% liquid\n include "x" %}', 'tag "include" is not available'],
    ['{% connected_content https://api.example.com/x :save r %}', 'Connected Content is not supported'],
  ])('%s is refused when parsed', (template, message) => {
    const result = render(template);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('template_error');
      expect(result.message).toContain(message);
    }
    expect(templateErrors(template)).toContain(message);
  });

  test('no globals, prototypes or functions are reachable', () => {
    const template =
      '[{{ process }}{{ global }}{{ globalThis }}{{ constructor }}{{ user.constructor }}{{ user.custom.constructor.name }}{{ user.custom.__proto__ }}{{ api.toString }}]';
    expect(render(template)).toEqual({ ok: true, output: '[]' });
  });

  test('a template cannot change the objects it was given', () => {
    const ctx = context();
    const before = structuredClone(ctx);
    expect(
      renderTemplate('{% increment api %}{% assign user = 1 %}{{ api }}{{ user }}', ctx, noBlocks, { now: NOW }),
    ).toEqual({ ok: true, output: '011' });
    expect(ctx).toEqual(before);
  });
});

describe('limits', () => {
  test('render time: a huge loop stops at the limit', () => {
    const ctx = context({ api: { items: Array.from({ length: 1000 }, (_, i) => i) } });
    const started = performance.now();
    const result = renderTemplate(
      '{% for a in api.items %}{% for b in api.items %}{% for c in api.items %}{% endfor %}{% endfor %}{% endfor %}',
      ctx,
      noBlocks,
      { now: NOW, renderMs: 50, steps: Number.POSITIVE_INFINITY },
    );
    expect(result).toMatchObject({
      ok: false,
      reason: 'template_error',
      message: expect.stringContaining('render time limit exceeded (50 ms)'),
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('template work: a huge loop stops at the step limit, the same way on every run', () => {
    const ctx = context({ api: { items: Array.from({ length: 1000 }, (_, i) => i) } });
    const huge =
      '{% for a in api.items %}{% for b in api.items %}{% for c in api.items %}{% endfor %}{% endfor %}{% endfor %}';
    for (let run = 0; run < 3; run++) {
      expect(renderTemplate(huge, ctx, noBlocks, { now: NOW })).toEqual({
        ok: false,
        reason: 'template_error',
        message: 'template work limit exceeded (50000 steps), line:1, col:49',
      });
    }
    // A loop's body counts once per iteration: ten iterations of one output need more than ten steps.
    const ten = '{% for i in (1..10) %}{{ i }}{% endfor %}';
    expect(renderTemplate(ten, ctx, noBlocks, { now: NOW, steps: 10 })).toMatchObject({ ok: false });
    expect(renderTemplate(ten, ctx, noBlocks, { now: NOW, steps: 40 })).toEqual({ ok: true, output: '12345678910' });
  });

  test('output size: too much output stops the render', () => {
    const result = renderTemplate('{% for i in (1..100000) %}0123456789{% endfor %}', context(), noBlocks, {
      now: NOW,
      outputBytes: 64 * 1024,
    });
    expect(result).toEqual({
      ok: false,
      reason: 'template_error',
      message: 'output size limit exceeded (65536 bytes)',
    });
  });

  test('output size counts UTF-8 bytes', () => {
    expect(renderTemplate('{{ "あ" }}', context(), noBlocks, { now: NOW, outputBytes: 2 })).toMatchObject({
      ok: false,
      message: 'output size limit exceeded (2 bytes)',
    });
    expect(renderTemplate('{{ "あ" }}', context(), noBlocks, { now: NOW, outputBytes: 3 })).toEqual({
      ok: true,
      output: 'あ',
    });
  });

  test('memory: a huge range is refused before it is built', () => {
    expect(render('{% for i in (1..1000000000) %}{% endfor %}')).toMatchObject({
      ok: false,
      reason: 'template_error',
      message: expect.stringContaining('memory limit exceeded'),
    });
  });

  test('template length', () => {
    expect(renderTemplate('x'.repeat(11), context(), noBlocks, { now: NOW, templateChars: 10 })).toEqual({
      ok: false,
      reason: 'template_error',
      message: 'template is longer than 10 characters',
    });
    expect(templateErrors('x'.repeat(11), { templateChars: 10 })).toBe('template is longer than 10 characters');
  });
});

describe('templateErrors', () => {
  test.each([
    ['Hello {{ user.first_name | default: "there" }}', null],
    ['{{${first_name}}} {% abort_message() %} {{ content_blocks.${footer} }}', null],
    ['{{ user.first_name', 'output "{{ user.first_name" not closed, line:1, col:1'],
    ['{% if user.vip %}yes', 'tag {% if user.vip %} not closed, line:1, col:1'],
    ['line one\n  {% bogus %}', 'tag "bogus" not found, line:2, col:3'],
    ['{{ user.first_name | no_such_filter }}', 'undefined filter: no_such_filter, line:1, col:1'],
    // The column is the one in the template as written, before ${…} was rewritten.
    ['{{${first_name}}} {{${last_name}}} {{ x | nope }}', 'undefined filter: nope, line:1, col:36'],
    ['{{ ${} }}', 'invalid value expression: "${}", line:1, col:4'],
  ])('%s', (template, message) => {
    expect(templateErrors(template)).toEqual(message);
  });

  test('a syntax error is a template_error when rendering too', () => {
    expect(render('{% bogus %}')).toEqual({
      ok: false,
      reason: 'template_error',
      message: 'tag "bogus" not found, line:1, col:1',
    });
  });
});
