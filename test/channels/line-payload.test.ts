import { describe, expect, test } from 'vitest';
import { buildPayload } from '../../src/channels/line/payload.ts';
import type { Content } from '../../src/schemas/content.ts';
import { CONTENT, LINE } from './samples.ts';

const U = 'U4af4980629aaaaaaaaaaaaaaaaaaaaaa';
const build = (content: Content) => buildPayload(content, U, LINE);
const messages = (content: Content) => {
  const result = build(content);
  if (!result.ok) throw new Error(result.error);
  return (result.payload as { messages: unknown[] }).messages;
};
const refusal = (content: Content) => {
  const result = build(content);
  return result.ok ? null : result.error;
};

type Column = Extract<Content, { type: 'carousel' }>['columns'][number];
const column = (fields: Partial<Column> = {}): Column => ({
  text: 'Pick me',
  actions: [{ type: 'message', label: 'Pick', text: 'picked' }],
  ...fields,
});
const carousel = (columns: Column[]): Content => ({ type: 'carousel', alt_text: 'Picks', columns });
const replies = (count: number) => Array.from({ length: count }, (_, i) => ({ label: `R${i}`, text: `reply ${i}` }));

describe('LINE payload', () => {
  test('a push body addressed to the LINE user', () => {
    expect(build(CONTENT.text)).toEqual({
      ok: true,
      payload: { to: U, messages: [{ type: 'text', text: 'Hi there' }] },
    });
  });

  test.each([
    ['text', [{ type: 'text', text: 'Hi there' }]],
    ['sticker', [{ type: 'sticker', packageId: '446', stickerId: '1988' }]],
    [
      'image',
      [
        {
          type: 'image',
          originalContentUrl: 'https://cdn.example/a.jpg',
          previewImageUrl: 'https://cdn.example/a-small.jpg',
        },
      ],
    ],
    [
      'carousel',
      [
        {
          type: 'template',
          altText: 'Our picks',
          template: {
            type: 'carousel',
            columns: [
              { text: 'First', actions: [{ type: 'uri', label: 'Open', uri: 'https://shop.example/1' }] },
              { text: 'Second', actions: [{ type: 'message', label: 'Pick', text: 'I pick 2' }] },
            ],
          },
        },
      ],
    ],
    [
      'flex',
      [
        {
          type: 'flex',
          altText: 'A bubble',
          contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [] } },
        },
      ],
    ],
    [
      'messages',
      [
        { type: 'text', text: 'one' },
        { type: 'sticker', packageId: '446', stickerId: '1988' },
      ],
    ],
  ] as const)('%s content maps to LINE message objects', (type, expected) => {
    expect(messages(CONTENT[type])).toEqual(expected);
  });

  test.each(['email', 'webhook'] as const)('%s content is refused', (type) => {
    expect(refusal(CONTENT[type])).toBe(`${type} content cannot be sent on a LINE channel`);
  });

  test('text with media_urls is refused (MMS is SMS-only)', () => {
    expect(refusal({ type: 'text', text: 'hi', media_urls: ['https://cdn.example/a.jpg'] })).toMatch(
      /media_urls .*SMS channel/,
    );
  });

  describe('text length in UTF-16 units', () => {
    test.each([
      ['5,000 ASCII', 'a'.repeat(5000), null],
      ['5,001 ASCII', 'a'.repeat(5001), 'LINE text is 5,001 UTF-16 units; at most 5,000'],
      ['2,500 emoji (5,000 units)', '🍎'.repeat(2500), null],
      ['2,500 emoji and one letter', `${'🍎'.repeat(2500)}a`, 'LINE text is 5,001 UTF-16 units; at most 5,000'],
      ['5,321', 'a'.repeat(5321), 'LINE text is 5,321 UTF-16 units; at most 5,000'],
      ['empty', '', 'LINE text is empty'],
    ])('%s', (_name, text, error) => {
      expect(refusal({ type: 'text', text })).toBe(error);
    });
  });

  describe('quick replies', () => {
    test('become message actions on the message', () => {
      expect(
        messages({ type: 'sticker', package_id: '1', sticker_id: '2', quick_replies: [{ label: 'Yes', text: 'YES' }] }),
      ).toEqual([
        {
          type: 'sticker',
          packageId: '1',
          stickerId: '2',
          quickReply: { items: [{ type: 'action', action: { type: 'message', label: 'Yes', text: 'YES' } }] },
        },
      ]);
    });

    test.each([
      [13, null],
      [14, 'LINE allows at most 13 quick replies; this message has 14'],
    ])('%i quick replies', (count, error) => {
      expect(refusal({ type: 'text', text: 'Choose', quick_replies: replies(count) })).toBe(error);
    });

    test.each([
      ['a'.repeat(20), null],
      ['a'.repeat(21), 'quick_replies[0].label is 21 characters; at most 20'],
      ['👍🏽'.repeat(20), null], // 20 grapheme clusters, 80 UTF-16 units
    ])('label %j', (label, error) => {
      expect(refusal({ type: 'text', text: 'Choose', quick_replies: [{ label, text: 'x' }] })).toBe(error);
    });

    test('reply text at 300 and 301', () => {
      expect(
        refusal({ type: 'text', text: 'Choose', quick_replies: [{ label: 'l', text: 'a'.repeat(300) }] }),
      ).toBeNull();
      expect(refusal({ type: 'text', text: 'Choose', quick_replies: [{ label: 'l', text: 'a'.repeat(301) }] })).toBe(
        'quick_replies[0].text is 301 characters; at most 300',
      );
    });
  });

  describe('image', () => {
    test.each([
      [
        { original_url: 'http://cdn.example/a.jpg', preview_url: 'https://cdn.example/b.jpg' },
        'original_url must be an https:// URL (LINE fetches images over HTTPS only)',
      ],
      [
        { original_url: 'https://cdn.example/a.jpg', preview_url: 'ftp://cdn.example/b.jpg' },
        'preview_url must be an https:// URL (LINE fetches images over HTTPS only)',
      ],
      [{ original_url: `https://x.example/${'a'.repeat(2000 - 18)}`, preview_url: 'https://cdn.example/b.jpg' }, null],
      [
        { original_url: `https://x.example/${'a'.repeat(2001 - 18)}`, preview_url: 'https://cdn.example/b.jpg' },
        'original_url is 2,001 characters; at most 2,000',
      ],
    ])('%j', (urls, error) => {
      expect(refusal({ type: 'image', ...urls })).toBe(error);
    });
  });

  describe('carousel', () => {
    test.each([
      ['10 columns', carousel(Array.from({ length: 10 }, () => column())), null],
      [
        '11 columns',
        carousel(Array.from({ length: 11 }, () => column())),
        'a carousel has at most 10 columns; this one has 11',
      ],
      ['no columns', carousel([]), 'a carousel needs at least one column'],
      [
        '3 actions',
        carousel([
          column({ actions: Array.from({ length: 3 }, () => ({ type: 'message' as const, label: 'a', text: 'b' })) }),
        ]),
        null,
      ],
      [
        '4 actions',
        carousel([
          column({ actions: Array.from({ length: 4 }, () => ({ type: 'message' as const, label: 'a', text: 'b' })) }),
        ]),
        'columns[0] has 4 actions; at most 3',
      ],
      [
        'different numbers of actions',
        carousel([
          column(),
          column({
            actions: [
              { type: 'message', label: 'a', text: 'b' },
              { type: 'message', label: 'c', text: 'd' },
            ],
          }),
        ]),
        'every carousel column must have the same number of actions; columns[0] has 1, columns[1] has 2',
      ],
      [
        'a thumbnail on one column only',
        carousel([column({ thumbnail_url: 'https://cdn.example/t.jpg' }), column()]),
        'every carousel column must have a thumbnail_url if any column has one',
      ],
      [
        'a title on one column only',
        carousel([column(), column({ title: 'T' })]),
        'every carousel column must have a title if any column has one',
      ],
      ['text 120 without image or title', carousel([column({ text: 'a'.repeat(120) })]), null],
      [
        'text 121 without image or title',
        carousel([column({ text: 'a'.repeat(121) })]),
        'columns[0].text is 121 characters; at most 120',
      ],
      ['text 60 under a title', carousel([column({ title: 'T', text: 'a'.repeat(60) })]), null],
      [
        'text 61 under a title',
        carousel([column({ title: 'T', text: 'a'.repeat(61) })]),
        'columns[0].text is 61 characters; at most 60',
      ],
      [
        'title 41',
        carousel([column({ title: 'a'.repeat(41), text: 'x' })]),
        'columns[0].title is 41 characters; at most 40',
      ],
      [
        'http thumbnail',
        carousel([column({ thumbnail_url: 'http://cdn.example/t.jpg' })]),
        'columns[0].thumbnail_url must be an https:// URL (LINE fetches images over HTTPS only)',
      ],
      [
        'uri action without uri',
        carousel([column({ actions: [{ type: 'uri', label: 'Go' }] })]),
        'columns[0].actions[0] is a uri action without a uri',
      ],
      [
        'uri action with a javascript: uri',
        carousel([column({ actions: [{ type: 'uri', label: 'Go', uri: 'javascript:alert(1)' }] })]),
        'columns[0].actions[0].uri must start with http://, https://, line: or tel:',
      ],
      [
        'message action without text',
        carousel([column({ actions: [{ type: 'message', label: 'Go' }] })]),
        'columns[0].actions[0] is a message action without text',
      ],
      [
        'postback action without data',
        carousel([column({ actions: [{ type: 'postback', label: 'Go' }] })]),
        'columns[0].actions[0] is a postback action without data',
      ],
      [
        'alt text 1,501',
        { ...carousel([column()]), alt_text: 'a'.repeat(1501) } as Content,
        'alt_text is 1,501 characters; at most 1,500',
      ],
    ])('%s', (_name, content, error) => {
      expect(refusal(content)).toBe(error);
    });

    test('the same shape everywhere maps image, title and every action type', () => {
      const both = (n: number) =>
        column({
          thumbnail_url: `https://cdn.example/${n}.jpg`,
          title: `Item ${n}`,
          text: 'Nice',
          actions: [
            { type: 'uri', label: 'Open', uri: `https://shop.example/${n}` },
            { type: 'postback', label: 'Save', data: `save=${n}`, text: 'Saved!' },
            { type: 'postback', label: 'Hide', data: `hide=${n}` },
          ],
        });
      const [message] = messages(carousel([both(1), both(2)])) as { template: { columns: unknown[] } }[];
      expect(message!.template.columns[1]).toEqual({
        thumbnailImageUrl: 'https://cdn.example/2.jpg',
        title: 'Item 2',
        text: 'Nice',
        actions: [
          { type: 'uri', label: 'Open', uri: 'https://shop.example/2' },
          { type: 'postback', label: 'Save', data: 'save=2', displayText: 'Saved!' },
          { type: 'postback', label: 'Hide', data: 'hide=2' },
        ],
      });
    });
  });

  describe('flex', () => {
    const bubble = (bytes: number) => {
      const shell = { type: 'bubble', body: { type: 'text', text: '' } };
      return { ...shell, body: { type: 'text', text: 'a'.repeat(bytes - JSON.stringify(shell).length) } };
    };
    const flex = (contents: Record<string, unknown>): Content => ({ type: 'flex', alt_text: 'Flex', contents });

    test.each([
      ['a bubble of 30 KB', flex(bubble(30 * 1024)), null],
      [
        'a bubble of 30 KB + 1',
        flex(bubble(30 * 1024 + 1)),
        'contents is 30,721 bytes of JSON; a flex bubble is at most 30,720',
      ],
      [
        'a carousel of 12 bubbles',
        flex({ type: 'carousel', contents: Array.from({ length: 12 }, () => bubble(100)) }),
        null,
      ],
      [
        'a carousel of 13 bubbles',
        flex({ type: 'carousel', contents: Array.from({ length: 13 }, () => bubble(100)) }),
        'a flex carousel has at most 12 bubbles; this one has 13',
      ],
      [
        'a carousel over 50 KB',
        flex({ type: 'carousel', contents: [bubble(26_000), bubble(26_000)] }),
        /^a flex carousel is 52,\d{3} bytes of JSON; at most 51,200$/,
      ],
      [
        'a carousel holding a non-bubble',
        flex({ type: 'carousel', contents: [{ type: 'box' }] }),
        'contents.contents[0] must be a flex bubble ("type": "bubble")',
      ],
      [
        'neither bubble nor carousel',
        flex({ type: 'box' }),
        'flex contents must be a bubble or a carousel ("type": "bubble" or "carousel")',
      ],
      ['empty alt text', { type: 'flex', alt_text: '', contents: bubble(100) } as Content, 'alt_text is empty'],
    ])('%s', (_name, content, error) => {
      if (error instanceof RegExp) expect(refusal(content)).toMatch(error);
      else expect(refusal(content)).toBe(error);
    });
  });

  describe('raw messages', () => {
    const raw = (count: number): Content => ({
      type: 'messages',
      messages: Array.from({ length: count }, (_, i) => ({ type: 'text', text: `m${i}` })),
    });

    test('pass through unchanged', () => {
      const message = {
        type: 'imagemap',
        baseUrl: 'https://cdn.example/map',
        altText: 'map',
        baseSize: { width: 1040, height: 1040 },
        actions: [],
      };
      expect(messages({ type: 'messages', messages: [message] })).toEqual([message]);
    });

    test.each([
      [5, null],
      [6, 'a LINE send holds at most 5 messages; this one has 6'],
    ])('%i messages', (count, error) => {
      expect(refusal(raw(count))).toBe(error);
    });

    test.each([
      [{ text: 'no type' }, 'messages[0] needs a "type"'],
      [{ type: 'text' }, 'messages[0] is a text message without text'],
      [{ type: 'text', text: 'a'.repeat(5001) }, 'messages[0].text is 5,001 UTF-16 units; at most 5,000'],
      [
        { type: 'text', text: 'hi', quickReply: { items: replies(14) } },
        'LINE allows at most 13 quick replies; messages[0] has 14',
      ],
    ])('%j is refused', (message, error) => {
      expect(refusal({ type: 'messages', messages: [message] })).toBe(error);
    });
  });
});
