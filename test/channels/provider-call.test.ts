import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { callProvider } from '../../src/channels/provider-call.ts';
import { LOOPBACK_ALLOWED, LoopbackServer } from '../fakes/loopback-server.ts';

/** The one HTTP call every provider client makes, against a real server on loopback. */
describe('callProvider', () => {
  const seen: Array<{ method: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server = new LoopbackServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    seen.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (request.url === '/late') await new Promise((resolve) => setTimeout(resolve, 300));
    if (request.url === '/moved') return void response.writeHead(302, { location: '/elsewhere' }).end();
    if (!response.destroyed)
      response.writeHead(201, { 'x-request-id': 'r-1', 'set-cookie': ['a=1', 'b=2'] }).end('{"ok":true}');
  });
  let url: string;
  beforeAll(async () => {
    url = await server.start();
  });
  afterAll(() => server.stop());

  test('sends the method, headers and body; answers with the status, headers by name, and the body as text', async () => {
    const answer = await callProvider(
      `${url}/hook`,
      { method: 'PUT', headers: { 'content-type': 'application/json', 'x-key': 'k' }, body: '{"n":1}' },
      undefined,
      LOOPBACK_ALLOWED,
    );
    expect(answer).toMatchObject({ status: 201, ok: true, text: '{"ok":true}' });
    expect(answer.header('X-Request-Id')).toBe('r-1');
    expect(answer.header('set-cookie')).toBe('a=1, b=2');
    expect(answer.header('x-missing')).toBeNull();
    const request = seen.at(-1)!;
    expect([request.method, request.body, request.headers['x-key'], request.headers['user-agent']]).toEqual([
      'PUT',
      '{"n":1}',
      'k',
      'Tidings',
    ]);
  });

  test("a request's own User-Agent, in any case, is the only one sent", async () => {
    await callProvider(`${url}/hook`, { headers: { 'User-Agent': 'CRM-Sync/1' } }, undefined, LOOPBACK_ALLOWED);
    expect(seen.at(-1)!.headers['user-agent']).toBe('CRM-Sync/1');
    expect(seen.at(-1)!.method).toBe('GET');
  });

  test('a redirect is answered as it is, not followed', async () => {
    const before = seen.length;
    const answer = await callProvider(`${url}/moved`, { method: 'POST', body: 'x' }, undefined, LOOPBACK_ALLOWED);
    expect(answer).toMatchObject({ status: 302, ok: false });
    expect(answer.header('location')).toBe('/elsewhere');
    expect(seen.length - before).toBe(1);
  });

  test('an answer later than the timeout rejects as a TimeoutError', async () => {
    await expect(callProvider(`${url}/late`, {}, 50, LOOPBACK_ALLOWED)).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
