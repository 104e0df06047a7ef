import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

/**
 * A fake Twilio Messages API on loopback in the real wire format
 * (`../shared/reference/channels-wire-facts.md` §2): Basic auth with the account SID and auth
 * token, form-encoded bodies (`MediaUrl` repeats), `201` with the message resource, Twilio's error
 * JSON (`{code, message, more_info, status}`: 20003, 21211, 21610, 21614, 20429), and the message
 * list filtered by `To`/`From`. Tests can make numbers refuse (`optedOut`, `landlines`), fail the
 * next requests (`failNext`), and read what it created (`created`).
 */
export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  media: string[];
  status_callback: string | null;
  date_created: number;
}

export class FakeTwilio {
  readonly accountSid: string;
  readonly authToken: string;
  readonly created: TwilioMessage[] = [];
  /** Every request: method, path, headers, form (or query) parameters, and the status it was answered with. */
  readonly requests: Array<{
    method: string;
    path: string;
    headers: IncomingMessage['headers'];
    params: URLSearchParams;
    status: number;
  }> = [];
  /** Numbers that replied STOP (21610) and numbers that cannot take SMS (21614). */
  readonly optedOut = new Set<string>();
  readonly landlines = new Set<string>();
  delayMs = 0;
  /** Create the next N messages, then answer 500 as if the answer had been lost. */
  loseAnswers = 0;
  private readonly failures: Array<{ status: number; code: number; message: string }> = [];
  private readonly http = new LoopbackServer((request, response) => this.handle(request, response));

  private readonly onCreated: ((message: TwilioMessage, arrivedAt: number) => void) | null;

  /** `onCreated` hears of every message created, with `performance.now()` when its request arrived. */
  constructor(
    options: {
      accountSid?: string;
      authToken?: string;
      onCreated?: (message: TwilioMessage, arrivedAt: number) => void;
    } = {},
  ) {
    this.accountSid = options.accountSid ?? `AC${'0'.repeat(32)}`;
    this.authToken = options.authToken ?? 'twilio-token';
    this.onCreated = options.onCreated ?? null;
  }

  /** Starts listening on 127.0.0.1; resolves with the base URL to give the channel. */
  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  failNext(
    count: number,
    status: number,
    code = status === 429 ? 20429 : 20500,
    message = status === 429 ? 'Too Many Requests' : 'Internal Server Error',
  ): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, code, message });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://fake');
    const params =
      request.method === 'GET' ? url.searchParams : new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const record = { method: request.method ?? '', path: url.pathname, headers: request.headers, params, status: 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown) => {
      record.status = status;
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const error = (status: number, code: number, message: string) =>
      send(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));

    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
    const path = `/2010-04-01/Accounts/${this.accountSid}/Messages.json`;
    if (url.pathname !== path) return error(404, 20404, 'The requested resource was not found');
    const injected = this.failures.shift();
    if (injected) return error(injected.status, injected.code, injected.message);

    if (request.method === 'GET') {
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const messages = this.created
        .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
        .reverse()
        .map((m) => this.resource(m));
      return send(200, { messages, page: 0, page_size: 50, next_page_uri: null });
    }
    if (request.method !== 'POST') return error(405, 20004, 'Method not allowed');
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return error(415, 20415, 'Unsupported Media Type');
    const form = params;
    const to = form.get('To') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!form.get('From') && !form.get('MessagingServiceSid'))
      return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
    const body = form.get('Body') ?? '';
    if (body === '' && form.getAll('MediaUrl').length === 0) return error(400, 21602, 'Message body is required.');
    if (body.length > 1600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (this.optedOut.has(to)) return error(400, 21610, 'Attempt to send to unsubscribed recipient');
    if (this.landlines.has(to)) return error(400, 21614, `'To' number is not a valid mobile number`);
    const message: TwilioMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from: form.get('From'),
      messaging_service_sid: form.get('MessagingServiceSid'),
      body,
      media: form.getAll('MediaUrl'),
      status_callback: form.get('StatusCallback'),
      date_created: Date.now(),
    };
    this.created.push(message);
    this.onCreated?.(message, arrivedAt);
    if (this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      return error(500, 20500, 'Internal Server Error');
    }
    send(201, this.resource(message));
  }

  private resource(m: TwilioMessage) {
    return {
      sid: m.sid,
      account_sid: this.accountSid,
      to: m.to,
      from: m.from,
      messaging_service_sid: m.messaging_service_sid,
      body: m.body,
      status: m.messaging_service_sid ? 'accepted' : 'queued',
      num_segments: '1',
      num_media: String(m.media.length),
      direction: 'outbound-api',
      api_version: '2010-04-01',
      price: null,
      price_unit: 'USD',
      error_code: null,
      error_message: null,
      date_created: new Date(m.date_created).toUTCString().replace('GMT', '+0000'),
      date_updated: new Date(m.date_created).toUTCString().replace('GMT', '+0000'),
      date_sent: null,
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${m.sid}.json`,
    };
  }
}
