import net from 'node:net';

/**
 * A loopback port free at this moment, for a server that must keep its port across restarts (a
 * balancer's backend, a database): port 0 would give it another each time.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
