// B2's same-run baseline: the least a LINE webhook → reply can cost on this machine. A bare
// node:http server checks X-Line-Signature over the raw body, parses it, answers 200 and relays
// each text message to the fake LINE server's reply endpoint with undici's `request` (as Tidings
// does) — the same two loopback HTTP hops, with no store, no campaign and no queue in between.
//
//   node bench/baseline-relay.mjs --line-url URL --token TOKEN --secret SECRET
// prints {"port": N} on stdout once listening; SIGTERM stops it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { request as relayRequest } from 'undici';

const { values } = parseArgs({
  options: { 'line-url': { type: 'string' }, token: { type: 'string' }, secret: { type: 'string' } },
});
const lineUrl = values['line-url'];
const headers = { authorization: `Bearer ${values.token}`, 'content-type': 'application/json' };

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    const raw = Buffer.concat(chunks);
    const expected = createHmac('sha256', values.secret).update(raw).digest();
    const given = Buffer.from(String(request.headers['x-line-signature'] ?? ''), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.writeHead(401).end();
      return;
    }
    const { events } = JSON.parse(raw.toString('utf8'));
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    for (const event of events) {
      if (event.type !== 'message' || event.message?.type !== 'text') continue;
      const body = JSON.stringify({
        replyToken: event.replyToken,
        messages: [{ type: 'text', text: `Hi ${event.message.text}` }],
      });
      relayRequest(`${lineUrl}/v2/bot/message/reply`, { method: 'POST', headers, body })
        .then((r) => r.body.arrayBuffer())
        .catch((error) => console.error(error.message));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
