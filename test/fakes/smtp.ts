import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP sink on loopback (`smtp-server`): accepts any sender, records every message it is given
 * (envelope and raw text), can refuse the next messages with a reply code (`451` transient,
 * `550` permanent), and can greet late (`greetingDelayMs`, for timeouts). No TLS.
 */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private readonly refusals: number[] = [];
  private server: SMTPServer | null = null;
  port = 0;
  /** Wait this long before greeting a new connection. */
  greetingDelayMs = 0;

  refuseNext(count: number, code: number): void {
    for (let i = 0; i < count; i++) this.refusals.push(code);
  }

  /** A header of a received message, unfolded. */
  static header(mail: ReceivedMail, name: string): string | null {
    const head = mail.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
    return match ? match[1]!.trim() : null;
  }

  async start(): Promise<number> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, callback) => {
        if (this.greetingDelayMs > 0) setTimeout(() => callback(), this.greetingDelayMs);
        else callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const refusal = this.refusals.shift();
          if (refusal !== undefined) {
            const error = Object.assign(new Error(refusal >= 500 ? 'Mailbox unavailable' : 'Try again later'), {
              responseCode: refusal,
            });
            return callback(error);
          }
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
