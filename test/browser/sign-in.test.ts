import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeTestPki, type TestPki } from '../helpers/certificates.js';
import { ADA, serverWithAda } from '../helpers/embedded-as.js';
import type { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';

/** Debian's chromium (installed by .ci/run), or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
// In CI a missing browser is a failure, not a skip: .ci/run installs it.
const skip = !haveChromium && !process.env.CI ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)` : false;
/** Screenshots of each page, kept as test artifacts. */
const ARTIFACTS = path.resolve('test-artifacts', 'browser');

/** The client's redirect endpoint: a loopback page, as a native MCP client would listen on. */
async function startCallbackPage() {
  const server = http.createServer((req, res) => {
    const src = new URL(req.url!, 'http://x').searchParams.get('src');
    // /frame?src=…: a page of another origin that tries to frame the given page (clickjacking).
    if (src)
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>Framing</title><iframe src="${src.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" width="600" height="500"></iframe>`);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Done</title><h1>Signed in: you can close this window</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, url: `${origin}/callback`, close: () => server.close() };
}

describe('the sign-in and consent pages in headless Chromium, over HTTPS', { skip }, () => {
  let pki: TestPki;
  let server: HttpTestServer;
  let browser: Browser;
  let callback: Awaited<ReturnType<typeof startCallbackPage>>;
  let secureFetch: typeof fetch;
  before(async () => {
    pki = makeTestPki();
    server = await serverWithAda({ MCP_TLS_CERT: pki.serverCert, MCP_TLS_KEY: pki.serverKey });
    callback = await startCallbackPage();
    const dispatcher = new Agent({ connect: { ca: pki.ca } });
    secureFetch = ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    callback?.close();
  });

  /** A public client registered over HTTPS, and the authorization URL (PKCE S256) a person opens. */
  async function authorizationRequest() {
    const registered = await secureFetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Browser Test App', redirect_uris: [callback.url], token_endpoint_auth_method: 'none' }),
    });
    assert.equal(registered.status, 201);
    const { client_id } = (await registered.json()) as { client_id: string };
    const verifier = oauth.generateRandomCodeVerifier();
    const query = {
      response_type: 'code',
      client_id,
      redirect_uri: callback.url,
      scope: 'pa:read pa:write',
      state: 'browser-state',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    return { clientId: client_id, verifier, url: `${server.url}/oauth/authorize?${new URLSearchParams(query)}` };
  }

  /** The test's CA is not the browser's: this context accepts the server's certificate, and nothing else changes. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    return context.newPage();
  }

  it('signs a person in, asks for consent, and lands on the redirect with code, state and iss; the cookies are __Host-', async () => {
    const request = await authorizationRequest();
    const page = await newPage();
    await page.goto(request.url);
    await page.getByLabel('Email').fill(ADA.email); // labels are tied to their fields
    await page.getByLabel('Password').fill(ADA.password);
    await page.screenshot({ path: path.join(ARTIFACTS, '1-sign-in.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Allow Browser Test App?' }).waitFor();
    assert.match((await page.textContent('main')) ?? '', /See your status, projects, tasks/);
    assert.match((await page.getByRole('note').textContent()) ?? '', /on this computer \(localhost\)/);
    await page.screenshot({ path: path.join(ARTIFACTS, '2-consent.png'), fullPage: true });
    const cookies = await page.context().cookies(server.url);
    for (const name of ['__Host-mcp-pa.session', '__Host-mcp-pa.interaction']) {
      const cookie = cookies.find((c) => c.name === name);
      assert.ok(cookie, `${name} is set (got ${cookies.map((c) => c.name).join(', ')})`);
      assert.equal(cookie.secure, true);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
    }
    await page.getByRole('button', { name: 'Allow', exact: true }).click();

    await page.waitForURL((url) => url.toString().startsWith(callback.url));
    await page.screenshot({ path: path.join(ARTIFACTS, '3-back-at-the-app.png'), fullPage: true });
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('state'), 'browser-state');
    assert.equal(landed.searchParams.get('iss'), server.url);
    const code = landed.searchParams.get('code');
    assert.ok(code);

    // The app redeems the code and calls a tool with the token.
    const token = await secureFetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: callback.url,
        client_id: request.clientId,
        code_verifier: request.verifier,
      }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const call = await secureFetch(`${server.url}/mcp`, modernToolCall('create_todo', { title: 'signed in with a browser' }, access_token));
    assert.equal(call.status, 200);
    await page.context().close();
  });

  it('shows a wrong password as an error on the page, and Deny sends access_denied back', async () => {
    const request = await authorizationRequest();
    const page = await newPage();
    await page.goto(request.url);
    await page.getByLabel('Email').fill(ADA.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /email or the password is wrong/);
    assert.equal(await page.getByLabel('Email').inputValue(), ADA.email, 'the email is kept');
    await page.screenshot({ path: path.join(ARTIFACTS, '4-wrong-password.png'), fullPage: true });
    await page.getByLabel('Password').fill(ADA.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.toString().startsWith(callback.url));
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('iss'), server.url);
    await page.context().close();
  });

  it('lets the person allow reading only: the token then reads but cannot write', async () => {
    const request = await authorizationRequest();
    const page = await newPage();
    await page.goto(request.url);
    await page.getByLabel('Email').fill(ADA.email);
    await page.getByLabel('Password').fill(ADA.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const readOnly = page.getByRole('button', { name: 'Allow reading only' });
    await readOnly.waitFor();
    assert.match((await page.textContent('main')) ?? '', /Reading only: it can see, but not create, change or delete anything/);
    await page.screenshot({ path: path.join(ARTIFACTS, '6-consent-read-only.png'), fullPage: true });
    await readOnly.click();
    await page.waitForURL((url) => url.toString().startsWith(callback.url));
    const code = new URL(page.url()).searchParams.get('code');
    assert.ok(code);
    const token = await secureFetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: callback.url,
        client_id: request.clientId,
        code_verifier: request.verifier,
      }),
    });
    const { access_token, scope } = (await token.json()) as { access_token: string; scope: string };
    assert.equal(scope, 'pa:read');
    assert.equal((await secureFetch(`${server.url}/mcp`, modernToolCall('list_todos', {}, access_token))).status, 200);
    assert.equal((await secureFetch(`${server.url}/mcp`, modernToolCall('create_todo', { title: 'not allowed' }, access_token))).status, 403);
    await page.context().close();
  });

  it('cannot be framed by another site', async () => {
    const request = await authorizationRequest();
    const page = await newPage();
    // Another origin (the loopback app page) puts the sign-in page in a frame.
    await page.goto(`${callback.origin}/frame?src=${encodeURIComponent(request.url)}`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame!.waitForLoadState('load');
    await page.screenshot({ path: path.join(ARTIFACTS, '5-framed.png'), fullPage: true });
    // Not even the "expired" page (the frame lacks the SameSite cookies): the browser refuses to show any page of ours.
    assert.doesNotMatch(await frame!.content(), /mcp-pa|Sign in/, 'no page of the sign-in renders inside a frame');
    await page.context().close();
  });
});
