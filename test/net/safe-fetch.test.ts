import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BlockedTargetError } from '../../src/errors.js';
import { createSafeFetch, isPublicAddress } from '../../src/net/safe-fetch.js';

describe('isPublicAddress', () => {
  it('accepts public addresses and refuses every special-use range', () => {
    for (const address of ['93.184.216.34', '1.1.1.1', '8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001::200e']) {
      assert.equal(isPublicAddress(address), true, address);
    }
    const special = [
      '127.0.0.1',
      '127.255.0.9',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.0.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:8.8.8.8',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      '2001:db8::1',
      'not an address',
    ];
    for (const address of special) assert.equal(isPublicAddress(address), false, address);
  });
});

describe('createSafeFetch', () => {
  let server: http.Server;
  let port = 0;
  let connections = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(302, { location: '/target' }).end();
      else if (req.url === '/slow')
        return; // never answers: only the client's deadline ends it (`after` cuts the connection)
      else res.end('reached');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('never connects to a loopback server, named or literal, and reports each refusal', async () => {
    const blocked: string[] = [];
    const safeFetch = createSafeFetch({ allowPrivateTargets: false, onBlocked: (host) => blocked.push(host) });
    for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`, `http://[::1]:${port}/`]) {
      await assert.rejects(safeFetch(url), (err: Error) => err instanceof BlockedTargetError || (err.cause as Error) instanceof BlockedTargetError, url);
    }
    assert.equal(connections, 0);
    assert.deepEqual(blocked, ['127.0.0.1', 'localhost', '::1']);
  });

  it('reaches them in the development setting, without following redirects, and gives up at its deadline', async () => {
    const safeFetch = createSafeFetch({ allowPrivateTargets: true, timeoutMs: 500 });
    assert.equal(await (await safeFetch(`http://localhost:${port}/`)).text(), 'reached');
    const redirected = await safeFetch(`http://127.0.0.1:${port}/redirect`);
    assert.equal(redirected.status, 302, 'the redirect is handed back, not followed');
    await assert.rejects(safeFetch(`http://127.0.0.1:${port}/slow`), /abort|timeout/i);
  });
});
