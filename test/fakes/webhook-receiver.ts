import type { IncomingHttpHeaders } from 'node:http';
import { LoopbackServer } from './loopback-server.ts';

/**
 * A service receiving a webhook channel's requests, on loopback: it records every request
 * (method, path, headers, JSON body) and answers each with the next scripted reply, else 200
 * with an `X-Request-Id`. A reply may come late (`delayMs`, for timeouts) or be no answer at all
 * (`status: 0`: the connection is dropped).
 */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The status it was answered with: -1 while the answer is still to come (late on purpose), 0 when none reached the caller (dropped, or too late). */
  status: number;
}

export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  readonly replies: Array<{ status: number; delayMs?: number }> = [];
  private readonly http = new LoopbackServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text || 'null');
    } catch {
      // not JSON: keep the text
    }
    const reply = this.replies.shift() ?? { status: 200 };
    const record: ReceivedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body,
      status: -1,
    };
    this.received.push(record);
    if (reply.status === 0) {
      record.status = 0;
      return void request.socket.destroy();
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    // A caller that gave up before the answer never got it.
    if (response.destroyed || request.socket.destroyed) {
      record.status = 0;
      return;
    }
    record.status = reply.status;
    response.writeHead(reply.status, { 'x-request-id': `req-${this.received.length}` }).end('ok');
  });

  /** Resolves with the base URL. */
  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** The requests answered 2xx that carried this Idempotency-Key. */
  accepted(idempotencyKey: string): ReceivedRequest[] {
    return this.received.filter(
      (r) => r.status >= 200 && r.status < 300 && r.headers['idempotency-key'] === idempotencyKey,
    );
  }
}
