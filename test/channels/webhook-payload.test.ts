import { describe, expect, test } from 'vitest';
import { buildPayload } from '../../src/channels/webhook/payload.ts';
import type { Content } from '../../src/schemas/content.ts';
import type { ChannelOf } from '../../src/schemas/channel.ts';
import { CONTENT, HOOK } from './samples.ts';

const refusal = (content: Content, channel = HOOK) => {
  const result = buildPayload(content, 'user-1', channel);
  return result.ok ? null : result.error;
};

describe('webhook payload', () => {
  test('webhook content: POST to the channel URL with a JSON body', () => {
    expect(buildPayload(CONTENT.webhook, 'user-1', HOOK)).toEqual({
      ok: true,
      payload: {
        method: 'POST',
        url: 'https://crm.example/hook',
        headers: { 'content-type': 'application/json' },
        body: { event: 'hello' },
      },
    });
  });

  test('the content overrides method and URL; headers merge without regard to case', () => {
    const channel = {
      ...HOOK,
      method: 'PUT' as const,
      headers: { Authorization: 'Bearer a', 'X-Team': 'growth' },
      url_hosts: ['*.example'],
    };
    const content: Content = {
      type: 'webhook',
      method: 'PATCH',
      url: 'https://other.example/x',
      headers: { authorization: 'Bearer b', 'Content-Type': 'application/vnd.x+json' },
      body: [1],
    };
    expect(buildPayload(content, 'user-1', channel)).toEqual({
      ok: true,
      payload: {
        method: 'PATCH',
        url: 'https://other.example/x',
        headers: { authorization: 'Bearer b', 'x-team': 'growth', 'content-type': 'application/vnd.x+json' },
        body: [1],
      },
    });
  });

  test('text content is sent as {to, text}, addressed to the user', () => {
    expect(buildPayload(CONTENT.text, 'user-1', HOOK)).toEqual({
      ok: true,
      payload: {
        method: 'POST',
        url: 'https://crm.example/hook',
        headers: { 'content-type': 'application/json' },
        body: { to: 'user-1', text: 'Hi there' },
      },
    });
  });

  test('a GET carries no body', () => {
    expect(buildPayload({ type: 'webhook', method: 'GET', body: null }, 'user-1', HOOK)).toEqual({
      ok: true,
      payload: { method: 'GET', url: 'https://crm.example/hook', headers: {}, body: null },
    });
  });

  test.each(['sticker', 'image', 'carousel', 'flex', 'messages', 'email'] as const)('%s content is refused', (type) => {
    expect(refusal(CONTENT[type])).toBe(`${type} content cannot be sent on a webhook channel`);
  });

  test.each<[string, Content, string, ChannelOf<'webhook'>?]>([
    [
      'a GET with a body',
      { type: 'webhook', method: 'GET', body: { a: 1 } } as Content,
      'a GET webhook request cannot carry a body; use POST, or a null body',
    ],
    [
      'text on a GET channel',
      CONTENT.text,
      'a GET webhook request cannot carry a body; use POST, or a null body',
      { ...HOOK, method: 'GET' },
    ],
    [
      'a rendered URL that is not http(s)',
      { type: 'webhook', url: 'file:///etc/passwd', body: {} } as Content,
      'webhook url must be an http:// or https:// URL',
    ],
    [
      'an empty rendered URL',
      { type: 'webhook', url: '', body: {} } as Content,
      'webhook url must be an http:// or https:// URL',
    ],
    [
      'a header value with a line break',
      { type: 'webhook', headers: { 'X-A': 'a\r\nX-B: b' }, body: {} } as Content,
      'webhook header X-A contains a line break',
    ],
    [
      'text with media_urls',
      { type: 'text', text: 'x', media_urls: ['https://cdn.example/a.jpg'] } as Content,
      'media_urls (MMS) can only be sent on an SMS channel',
    ],
  ])('%s', (_name, content, error, channel = HOOK) => {
    expect(refusal(content, channel)).toBe(error);
  });
});

describe('a content URL and the channel’s URL', () => {
  const urlOf = (url: string, channel: ChannelOf<'webhook'> = HOOK) => {
    const result = buildPayload({ type: 'webhook', url, body: null }, 'user-1', channel);
    return result.ok ? (result.payload as { url: string }).url : result.error;
  };

  test('may change the path and query', () => {
    expect(urlOf('https://crm.example/other/path?user=1')).toBe('https://crm.example/other/path?user=1');
    expect(urlOf('https://CRM.example/@127.0.0.1/')).toBe('https://CRM.example/@127.0.0.1/');
  });

  test.each([
    ['another host', 'http://127.0.0.1:8080/x', 'http://127.0.0.1:8080'],
    ['a host under the channel’s', 'https://crm.example.evil.org/hook', 'https://crm.example.evil.org'],
    ['another port', 'https://crm.example:8443/hook', 'https://crm.example:8443'],
    ['another scheme', 'http://crm.example/hook', 'http://crm.example'],
    ['a user name and password', 'https://admin:pw@crm.example/hook', 'https://crm.example'],
  ])('may not change %s', (_name, url, origin) => {
    expect(urlOf(url)).toBe(
      `webhook url "${origin}" is not the channel's "https://crm.example": content may change only the path and query, unless the channel's url_hosts lists the host`,
    );
  });

  test('may go to a host the channel lists in url_hosts', () => {
    const channel = { ...HOOK, url_hosts: ['*.partner.example', 'api.other.example'] };
    expect(urlOf('https://eu.partner.example/in', channel)).toBe('https://eu.partner.example/in');
    expect(urlOf('http://api.other.example:8080/in', channel)).toBe('http://api.other.example:8080/in');
    expect(urlOf('https://partner.example/in', channel)).toMatch(/is not the channel's/);
  });

  test('must be a URL', () => {
    expect(urlOf('not a url')).toBe('webhook url must be an http:// or https:// URL');
    expect(urlOf('file:///etc/passwd', { ...HOOK, url_hosts: ['*'] })).toBe(
      'webhook url must be an http:// or https:// URL',
    );
  });
});
