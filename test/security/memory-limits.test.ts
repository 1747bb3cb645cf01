import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall, postRaw, rawToolCall, type RawResponse } from '../helpers/mcp-wire.js';
import { forgeToken, startExternalIssuer, type ExternalIssuer } from '../helpers/oauth.js';
import { runCli, tempHome } from '../helpers/server.js';

const MB = 1024 * 1024;
// The largest request is then 16 MiB; a tenant may have 20 MiB of bodies in flight, the server 30.
const LIMITS = { documents: { max_file_size_mb: 8 }, limits: { in_flight_body_mb: 30, in_flight_body_mb_per_tenant: 20 } };
/** A 7 MiB file: about 9.4 MiB of request body, so two fill a tenant's share and three the server's. */
const FILE = crypto.randomBytes(7 * MB);

/** Fails the test, rather than letting it hang, when the server never answers (it would wait for a body never sent). */
function answered<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer`)), 120_000)));
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/**
 * An upload whose headers (and the first half of its body) are sent now and the rest on finish():
 * a slow client keeping its request bytes in flight for as long as it likes.
 */
function heldUpload(url: URL, token: string, sendHalf = true) {
  const { headers, body } = rawToolCall('upload_document', { title: 'held', content_base64: FILE.toString('base64') }, token);
  let req!: http.ClientRequest;
  const answer = new Promise<RawResponse>((resolve, reject) => {
    req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
  });
  req.flushHeaders();
  if (sendHalf) req.write(body.subarray(0, body.length / 2));
  return { answer, finish: () => req.end(body.subarray(body.length / 2)) };
}

/** A tool call's result, from a JSON answer or a server-sent event. */
function resultOf(res: RawResponse): { structuredContent: Record<string, unknown>; isError?: boolean } {
  const json = res.headers['content-type']?.startsWith('text/event-stream') ? /^data: (.*)$/m.exec(res.text)![1]! : res.text;
  return (JSON.parse(json) as { result: { structuredContent: Record<string, unknown>; isError?: boolean } }).result;
}

function assertRefused(res: RawResponse, status: 429 | 503) {
  assert.equal(res.status, status, res.text);
  assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After says when to come back');
  assert.equal(JSON.parse(res.text).error.code, -32000);
}

describe('request bytes in flight (one tenant cannot exhaust the server memory)', () => {
  let issuer: ExternalIssuer;
  let server: HttpTestServer;
  let resource: string;
  const tokenFor = (subject: string) => {
    const now = Math.floor(Date.now() / 1000);
    return forgeToken(issuer.key, { iss: issuer.issuer, sub: subject, aud: resource, client_id: 'c', scope: 'pa:read pa:write', iat: now, exp: now + 600 });
  };
  const smallCall = async (token: string) => {
    const res = await fetch(server.mcpUrl, modernToolCall('get_current_time', {}, token));
    await res.text();
    return res.status;
  };

  before(async () => {
    issuer = await startExternalIssuer();
    const home = tempHome('mcp-pa-memory-');
    fs.writeFileSync(path.join(home, 'limits.json'), JSON.stringify(LIMITS));
    server = await HttpTestServer.start({
      home,
      env: { MCP_DATABASE_TYPE: 'sqlite', MCP_OAUTH_ISSUER: issuer.issuer, MCP_PA_CONFIG: path.join(home, 'limits.json') },
    });
    // The tokens are forged with the issuer's key, so the issuer itself need not be told this resource.
    resource = server.mcpUrl.href;
  });
  after(async () => {
    await server.close();
    await issuer.stop();
  });

  it('refuses a tenant over its share before reading the body (429 + Retry-After), even a flood of 30, while its small calls and other tenants are served', async () => {
    const [ada, bob] = await Promise.all([tokenFor('ada'), tokenFor('bob')]);
    const first = heldUpload(server.mcpUrl, ada);
    const second = heldUpload(server.mcpUrl, ada);
    // A request sent after them is answered only once they passed the same gates.
    assert.equal(await answered(smallCall(ada), 'a small call'), 200, 'a small call fits beside a full share');

    // Headers only: the answer comes without a byte of the body sent.
    const third = heldUpload(server.mcpUrl, ada, false);
    assertRefused(await answered(third.answer, 'a third upload from the same tenant'), 429);

    const { headers, body } = rawToolCall('upload_document', { title: 'flood', content_base64: FILE.toString('base64') }, ada);
    const [flood, bobServed] = await Promise.all([
      answered(Promise.all(Array.from({ length: 30 }, () => postRaw(server.mcpUrl, headers, body))), 'the flood'),
      answered(smallCall(bob), 'another tenant during the flood'),
    ]);
    for (const res of flood) assertRefused(res, 429);
    assert.equal(bobServed, 200, 'another tenant is served during the flood');

    first.finish();
    second.finish();
    for (const upload of [first, second]) {
      const res = await answered(upload.answer, 'a held upload');
      assert.equal(res.status, 200, res.text);
      assert.equal(resultOf(res).structuredContent.size_bytes, FILE.length);
    }
    const again = await answered(postRaw(server.mcpUrl, headers, body), 'an upload once the share is free');
    assert.equal(again.status, 200, 'once its uploads are done, the tenant may upload again');
    assert.notEqual(resultOf(again).isError, true);
  });

  it('refuses any tenant once the whole server holds its ceiling (503 + Retry-After); everyday calls still go through', async () => {
    const [ada, bob, cy] = await Promise.all([tokenFor('ada'), tokenFor('bob'), tokenFor('cy')]);
    const held = [heldUpload(server.mcpUrl, ada), heldUpload(server.mcpUrl, ada), heldUpload(server.mcpUrl, bob)];
    assert.equal(await answered(smallCall(bob), 'a small call'), 200);
    const refused = heldUpload(server.mcpUrl, cy, false);
    assertRefused(await answered(refused.answer, 'an upload over the server ceiling'), 503);
    assert.equal(await answered(smallCall(cy), 'a small call over the ceiling'), 200, 'a small call still fits');
    for (const upload of held) upload.finish();
    for (const upload of held) assert.equal((await answered(upload.answer, 'a held upload')).status, 200);
  });

  it('counts a chunked body (no Content-Length) as it streams in, and refuses it once over the share', async () => {
    const ada = await tokenFor('ada-chunked');
    const holding = [heldUpload(server.mcpUrl, ada), heldUpload(server.mcpUrl, ada)];
    assert.equal(await answered(smallCall(ada), 'a small call'), 200);
    const { headers, body } = rawToolCall('upload_document', { title: 'chunked', content_base64: FILE.toString('base64') }, ada);
    const res = await answered(
      new Promise<RawResponse>((resolve, reject) => {
        const req = http.request(server.mcpUrl, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, text }));
        });
        req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
        for (let at = 0; at < body.length; at += MB) req.write(body.subarray(at, at + MB));
        req.end();
      }),
      'a chunked upload',
    );
    assertRefused(res, 429);
    for (const upload of holding) upload.finish();
    for (const upload of holding) assert.equal((await answered(upload.answer, 'a held upload')).status, 200);
  });
});

describe('the ceilings in the configuration', () => {
  it('are refused at start-up when the largest request could never fit, or the share exceeds the whole', async () => {
    const home = tempHome('mcp-pa-memory-config-');
    const file = path.join(home, 'limits.json');
    fs.writeFileSync(file, JSON.stringify({ limits: { in_flight_body_mb: 20, in_flight_body_mb_per_tenant: 10 } }));
    const small = await runCli(['serve'], home, { MCP_PA_CONFIG: file });
    assert.equal(small.code, 2);
    assert.match(small.stderr, /limits\.in_flight_body_mb in .*: must be at least 38: the largest request/);
    assert.match(small.stderr, /limits\.in_flight_body_mb_per_tenant in .*: must be at least 38/);
    fs.writeFileSync(file, JSON.stringify({ limits: { in_flight_body_mb: 40, in_flight_body_mb_per_tenant: 80 } }));
    assert.match(
      (await runCli(['serve'], home, { MCP_PA_CONFIG: file })).stderr,
      /limits\.in_flight_body_mb_per_tenant in .*: must be at most limits\.in_flight_body_mb \(40\)/,
    );
  });
});
