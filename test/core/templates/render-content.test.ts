import { describe, expect, test } from 'vitest';
import type { Content } from '../../../src/schemas/content.ts';
import { renderContent } from '../../../src/core/templates/index.ts';
import { context, noBlocks, NOW } from './support.ts';

const name = '{{${first_name}}}';

describe('renderContent', () => {
  test.each<[string, Content, Content]>([
    [
      'text with media and quick replies',
      {
        type: 'text',
        text: `Hi ${name}`,
        media_urls: ['https://cdn.example/{{ api.coupon }}.png'],
        quick_replies: [{ label: `Yes ${name}`, text: 'yes {{ campaign.id }}' }],
      },
      {
        type: 'text',
        text: 'Hi Aiko',
        media_urls: ['https://cdn.example/SAVE10.png'],
        quick_replies: [{ label: 'Yes Aiko', text: 'yes cart-reminder' }],
      },
    ],
    ['text alone', { type: 'text', text: 'plain' }, { type: 'text', text: 'plain' }],
    [
      'sticker: ids are not templates',
      { type: 'sticker', package_id: '{{x}}', sticker_id: '1988', quick_replies: [{ label: name, text: 'x' }] },
      { type: 'sticker', package_id: '{{x}}', sticker_id: '1988', quick_replies: [{ label: 'Aiko', text: 'x' }] },
    ],
    [
      'image URLs',
      {
        type: 'image',
        original_url: 'https://img.example/{{ ${user_id} }}.jpg',
        preview_url: 'https://img.example/p.jpg',
      },
      { type: 'image', original_url: 'https://img.example/ext-1.jpg', preview_url: 'https://img.example/p.jpg' },
    ],
    [
      'carousel',
      {
        type: 'carousel',
        alt_text: `For ${name}`,
        columns: [
          {
            title: '{{ event_properties.${sku} }}',
            text: 'Only {{ event_properties.${price} }}',
            actions: [
              {
                type: 'uri',
                label: 'Buy',
                uri: 'https://shop.example/{{ event_properties.${sku} | url_param_escape }}',
              },
              { type: 'postback', label: 'Later', data: 'later={{ campaign.id }}' },
            ],
          },
        ],
      },
      {
        type: 'carousel',
        alt_text: 'For Aiko',
        columns: [
          {
            title: 'A-1',
            text: 'Only 9.5',
            actions: [
              { type: 'uri', label: 'Buy', uri: 'https://shop.example/A-1' },
              { type: 'postback', label: 'Later', data: 'later=cart-reminder' },
            ],
          },
        ],
      },
    ],
    [
      'flex: every string value',
      {
        type: 'flex',
        alt_text: name,
        contents: {
          type: 'bubble',
          body: { type: 'box', contents: [{ type: 'text', text: `Hi ${name}`, size: 3, wrap: true }] },
        },
      },
      {
        type: 'flex',
        alt_text: 'Aiko',
        contents: {
          type: 'bubble',
          body: { type: 'box', contents: [{ type: 'text', text: 'Hi Aiko', size: 3, wrap: true }] },
        },
      },
    ],
    [
      'raw LINE messages',
      {
        type: 'messages',
        messages: [
          { type: 'text', text: name },
          { type: 'sticker', packageId: '446', stickerId: '1988' },
        ],
      },
      {
        type: 'messages',
        messages: [
          { type: 'text', text: 'Aiko' },
          { type: 'sticker', packageId: '446', stickerId: '1988' },
        ],
      },
    ],
    [
      'email',
      {
        type: 'email',
        subject: 'Your cart, {{ ${first_name} }}',
        html: '<p>Hi <b>{{ ${first_name} }}</b></p>',
        text: 'Hi {{ ${first_name} }}',
        attachments: [{ filename: '{{ campaign.id }}.pdf', url: 'https://files.example/{{ ${user_id} }}' }],
      },
      {
        type: 'email',
        subject: 'Your cart, Aiko',
        html: '<p>Hi <b>Aiko</b></p>',
        text: 'Hi Aiko',
        attachments: [{ filename: 'cart-reminder.pdf', url: 'https://files.example/ext-1' }],
      },
    ],
    [
      'email with an empty subject',
      { type: 'email', subject: '', text: 'x' },
      { type: 'email', subject: '', text: 'x' },
    ],
    [
      'webhook: URL, header values and body strings',
      {
        type: 'webhook',
        method: 'POST',
        url: 'https://crm.example/users/{{ ${user_id} }}',
        headers: { 'X-Campaign': '{{ campaign.id }}' },
        body: { name: '{{ ${first_name} | json_escape }}', '{{ keys }}': ['{{ api.coupon }}', 3, true, null] },
      },
      {
        type: 'webhook',
        method: 'POST',
        url: 'https://crm.example/users/ext-1',
        headers: { 'X-Campaign': 'cart-reminder' },
        body: { name: 'Aiko', '{{ keys }}': ['SAVE10', 3, true, null] },
      },
    ],
    [
      'webhook body as one template string',
      { type: 'webhook', body: '{"coupon": "{{ api.coupon }}"}' },
      { type: 'webhook', body: '{"coupon": "SAVE10"}' },
    ],
  ])('%s', (_name, content, rendered) => {
    expect(renderContent(content, context(), noBlocks, { now: NOW })).toEqual({ ok: true, output: rendered });
  });

  test('the first failing field is named', () => {
    const content: Content = {
      type: 'email',
      subject: 'ok',
      html: '{{ content_blocks.nowhere }}',
      text: '{{ x | nope }}',
    };
    expect(renderContent(content, context(), noBlocks, { now: NOW })).toEqual({
      ok: false,
      reason: 'template_error',
      message: 'unknown content block "nowhere"',
      field: 'html',
    });
  });

  test('a nested field is named by its path', () => {
    const content: Content = { type: 'webhook', body: { items: [{ ok: 'x' }, { bad: '{% bogus %}' }] } };
    expect(renderContent(content, context(), noBlocks, { now: NOW })).toMatchObject({
      ok: false,
      field: 'body.items[1].bad',
    });
  });

  test('an abort in any field aborts the content', () => {
    const content: Content = {
      type: 'text',
      text: 'Hi',
      quick_replies: [{ label: 'x', text: "{% abort_message('no replies') %}" }],
    };
    expect(renderContent(content, context(), noBlocks, { now: NOW })).toEqual({
      ok: false,
      reason: 'template_aborted',
      message: 'no replies',
      field: 'quick_replies[0].text',
    });
  });

  test('the output limit is for the whole content', () => {
    const content: Content = { type: 'email', subject: '0123456789', text: '0123456789', html: '0123456789' };
    expect(renderContent(content, context(), noBlocks, { now: NOW, outputBytes: 25 })).toEqual({
      ok: false,
      reason: 'template_error',
      message: 'output size limit exceeded (25 bytes)',
      field: 'text',
    });
  });

  test('the content given is left alone', () => {
    const content: Content = { type: 'text', text: name, quick_replies: [{ label: name, text: name }] };
    const before = structuredClone(content);
    renderContent(content, context(), noBlocks, { now: NOW });
    expect(content).toEqual(before);
  });
});
