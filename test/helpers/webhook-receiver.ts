import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on loopback, port 0: records every request, answers with `status(request)`
 * (200 by default), and lets a test await the nth request instead of sleeping.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  status: (request: Received, index: number) => number = () => 200;
  /** Called as a request arrives, before it is answered (a test may kill the sender there). */
  onRequest: (request: Received, index: number) => void | Promise<void> = () => undefined;
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    const receiver: WebhookReceiver = new WebhookReceiver(
      http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => void receiver.take({ headers: req.headers, body }, res));
      }),
    );
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  private async take(request: Received, res: http.ServerResponse) {
    const index = this.received.push(request) - 1;
    await this.onRequest(request, index);
    res.writeHead(this.status(request, index)).end();
    this.waiters = this.waiters.filter((w) => (this.received.length >= w.count ? (w.resolve(), false) : true));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves once `count` requests have arrived. */
  until(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** The distinct delivery ids received. */
  deliveryIds(): Set<string> {
    return new Set(this.received.map((r) => String(r.headers['x-mcp-pa-delivery'])));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
