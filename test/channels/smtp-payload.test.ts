import { describe, expect, test } from 'vitest';
import { buildPayload } from '../../src/channels/smtp/payload.ts';
import type { Content } from '../../src/schemas/content.ts';
import { CONTENT, MAIL } from './samples.ts';

const TO = 'ann@example.com';
const refusal = (content: Content) => {
  const result = buildPayload(content, TO, MAIL);
  return result.ok ? null : result.error;
};
const attachments = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ filename: `f${i}.pdf`, url: `https://cdn.example/f${i}.pdf` }));
const email = (fields: Partial<Extract<Content, { type: 'email' }>>): Content => ({
  type: 'email',
  text: 'Hi',
  ...fields,
});

describe('SMTP payload', () => {
  test('email content maps to a nodemailer message; attachments are fetched from their URL', () => {
    expect(buildPayload({ ...CONTENT.email, attachments: attachments(1) } as Content, TO, MAIL)).toEqual({
      ok: true,
      payload: {
        from: 'Shop <news@example.com>',
        to: TO,
        subject: 'Your cart',
        text: 'Hi',
        html: '<p>Hi</p>',
        attachments: [{ filename: 'f0.pdf', path: 'https://cdn.example/f0.pdf' }],
      },
    });
  });

  test('text content is a plain-text email with an empty subject', () => {
    expect(buildPayload(CONTENT.text, TO, MAIL)).toEqual({
      ok: true,
      payload: { from: 'Shop <news@example.com>', to: TO, subject: '', text: 'Hi there', attachments: [] },
    });
  });

  test('an email with no subject has an empty one; html alone is enough', () => {
    const result = buildPayload({ type: 'email', html: '<b>Hi</b>' }, TO, MAIL);
    expect(result.ok && result.payload).toEqual({
      from: 'Shop <news@example.com>',
      to: TO,
      subject: '',
      html: '<b>Hi</b>',
      attachments: [],
    });
  });

  test('a line break in a rendered subject becomes a space', () => {
    const result = buildPayload(email({ subject: 'Hi\r\nBcc: x@evil.example\nthere' }), TO, MAIL);
    expect(result.ok && result.payload).toMatchObject({ subject: 'Hi Bcc: x@evil.example there' });
  });

  test.each(['sticker', 'image', 'carousel', 'flex', 'messages', 'webhook'] as const)(
    '%s content is refused',
    (type) => {
      expect(refusal(CONTENT[type])).toBe(`${type} content cannot be sent on an email channel`);
    },
  );

  test.each([
    ['5 attachments', email({ attachments: attachments(5) }), null],
    ['6 attachments', email({ attachments: attachments(6) }), 'an email carries at most 5 attachments; this one has 6'],
    [
      'an attachment from the local disk',
      email({ attachments: [{ filename: 'p', url: '/etc/passwd' }] }),
      'attachments[0].url must be an http:// or https:// URL',
    ],
    [
      'an attachment with a blank filename',
      email({ attachments: [{ filename: ' ', url: 'https://cdn.example/a' }] }),
      'attachments[0].filename is empty',
    ],
    ['a subject of 998', email({ subject: 'a'.repeat(998) }), null],
    ['a subject of 999', email({ subject: 'a'.repeat(999) }), 'email subject is 999 characters; at most 998'],
    [
      'neither text nor html',
      { type: 'email', subject: 'Hi' } as Content,
      'email content needs a text or an html body',
    ],
    ['empty text and html', email({ text: '', html: '' }), 'email content needs a text or an html body'],
    ['empty text content', { type: 'text', text: '' } as Content, 'email text is empty'],
    [
      'text with media_urls',
      { type: 'text', text: 'x', media_urls: ['https://cdn.example/a.jpg'] } as Content,
      'media_urls (MMS) can only be sent on an SMS channel; use email content with attachments',
    ],
  ])('%s', (_name, content, error) => {
    expect(refusal(content)).toBe(error);
  });
});
