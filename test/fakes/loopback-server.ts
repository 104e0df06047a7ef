import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Calls to the fakes go to loopback, which is refused unless the private network is allowed. */
export const LOOPBACK_ALLOWED = { allowPrivateNetwork: true, allowedHosts: [] } as const;

/**
 * The HTTP server under a fake provider: listens on a free loopback port, and stops closing the
 * connections a client keeps alive (so a test's `afterAll` never waits on them).
 */
export class LoopbackServer {
  private server: Server | null = null;
  private readonly handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>;

  constructor(handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>) {
    this.handle = handle;
  }

  /** Resolves with the base URL, `http://127.0.0.1:PORT`. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }
}
