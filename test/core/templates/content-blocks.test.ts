import { describe, expect, test } from 'vitest';
import { contentBlockReferences, findContentBlockCycle, renderTemplate } from '../../../src/core/templates/index.ts';
import { context, NOW } from './support.ts';

const blocks = new Map([
  ['greeting', 'Hi {{ ${first_name} | default: "there" }}'],
  ['footer', '-- {{ content_blocks.${signature} }}'],
  ['signature', 'The {{ campaign.name }} team'],
  ['sets-points', '{% assign points = custom_attribute.${points} %}'],
  ['reads-local', '[{{ local }}]'],
  ['gold-only', "{% unless custom_attribute.${plan} == 'silver' %}{% abort_message('not silver') %}{% endunless %}"],
  ['silent-abort', '{% abort_message() %}'],
  ['broken', 'ok\n{{ x | nope }}'],
  ['uses-broken', '{{ content_blocks.broken }}'],
  ['uses-missing', '{{ content_blocks.${nowhere} }}'],
  ['my-block', 'hyphenated'],
  ['loop-a', 'A{{ content_blocks.loop-b }}'],
  ['loop-b', 'B{{ content_blocks["loop-a"] }}'],
]);

describe('rendering content blocks', () => {
  test.each([
    ['{{ content_blocks.${greeting} }}!', 'Hi Aiko!'],
    ['{{content_blocks.greeting}}', 'Hi Aiko'],
    ['{{ content_blocks["greeting"] | upcase }}', 'HI AIKO'],
    ['{{ content_blocks.${footer} }}', '-- The Cart reminder team'],
    ['{{ content_blocks.${my-block} }} {{ content_blocks.my-block }}', 'hyphenated hyphenated'],
    // A block renders in the reader's context: assignments go both ways.
    ['{{ content_blocks.${sets-points} }}{{ points | plus: 1 }}', '1201'],
    ['{% assign local = "seen" %}{{ content_blocks.${reads-local} }}', '[seen]'],
    ['{% if false %}{{ content_blocks.nowhere }}{% endif %}ok', 'ok'],
  ])('%s', (template, output) => {
    expect(renderTemplate(template, context(), blocks, { now: NOW })).toEqual({ ok: true, output });
  });

  test.each([
    ['{{ content_blocks.${nowhere} }}', 'unknown content block "nowhere"'],
    ['{{ content_blocks.${uses-missing} }}', 'content block "uses-missing": unknown content block "nowhere"'],
    ['{{ content_blocks.broken }}', 'content block "broken": undefined filter: nope, line:2, col:1'],
    [
      '{{ content_blocks.uses-broken }}',
      'content block "uses-broken": content block "broken": undefined filter: nope, line:2, col:1',
    ],
    [
      '{{ content_blocks.loop-a }}',
      'content block "loop-a": content block "loop-b": content block cycle: loop-a → loop-b → loop-a',
    ],
  ])('%s fails naming the block', (template, message) => {
    expect(renderTemplate(template, context(), blocks, { now: NOW })).toEqual({
      ok: false,
      reason: 'template_error',
      message,
    });
  });

  test.each([
    ['{{ content_blocks.${gold-only} }}', 'not silver'],
    ['before {{ content_blocks.silent-abort }} after', '{% abort_message %} called'],
  ])('an abort in a block aborts the message: %s', (template, message) => {
    expect(renderTemplate(template, context(), blocks, { now: NOW })).toEqual({
      ok: false,
      reason: 'template_aborted',
      message,
    });
  });
});

describe('contentBlockReferences', () => {
  test.each([
    ['no blocks {{ user.first_name }}', []],
    [
      '{{ content_blocks.${a} }}{{content_blocks.b}}{{ content_blocks["c d"] }}{{ content_blocks[\'e\'] }}',
      ['a', 'b', 'c d', 'e'],
    ],
    ['{{ content_blocks.${a} }} {{ content_blocks.${a} }}', ['a']],
    ['{% if x %}{{ content_blocks.my-block | strip }}{% endif %}', ['my-block']],
    ['text content_blocks.a {% raw %}{{ content_blocks.b }}{% endraw %}', []],
  ])('%s', (template, names) => {
    expect(contentBlockReferences(template)).toEqual(names);
  });
});

describe('findContentBlockCycle', () => {
  test.each<[string, Record<string, string>, string[] | null]>([
    ['none', { a: '{{ content_blocks.b }}', b: '{{ content_blocks.c }}', c: 'leaf' }, null],
    [
      'a diamond is not a cycle',
      {
        a: '{{ content_blocks.b }}{{ content_blocks.c }}',
        b: '{{ content_blocks.d }}',
        c: '{{ content_blocks.d }}',
        d: 'x',
      },
      null,
    ],
    ['a reference to an unknown block is not a cycle', { a: '{{ content_blocks.zzz }}' }, null],
    ['self', { a: 'x {{ content_blocks.${a} }}' }, ['a', 'a']],
    ['two', { a: '{{ content_blocks.${b} }}', b: '{{ content_blocks["a"] }}' }, ['a', 'b', 'a']],
    [
      'three, entered from outside',
      {
        a: '{{ content_blocks.b }}',
        b: '{{ content_blocks.c }}',
        c: '{{ content_blocks.d }}',
        d: '{{ content_blocks.b }}',
      },
      ['b', 'c', 'd', 'b'],
    ],
  ])('%s', (_name, definitions, cycle) => {
    expect(findContentBlockCycle(new Map(Object.entries(definitions)))).toEqual(cycle);
  });
});
