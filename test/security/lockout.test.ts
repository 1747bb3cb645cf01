// Nobody can lock an account or a client out: failures sent from one address (naming someone
// else's account, or someone else's client) cost that address, never the owner elsewhere.
// The server runs in this process on a ManualClock, so windows pass without waiting; the attacker
// and the owner are different loopback addresses (all of 127/8 is this machine).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { ManualClock } from '../../src/clock.js';
import type { OpenedRuntime } from '../../src/runtime.js';
import { addLocalAccount } from '../../src/auth/accounts.js';
import { addClient } from '../../src/auth/clients.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { ADA } from '../helpers/embedded-as.js';
import { engineEnv } from '../helpers/engines.js';
import { browserSession, formOf, MemoryOAuthProvider, signInAndConsent } from '../helpers/oauth.js';
import { startHttpInProcess } from '../helpers/http-in-process.js';
import { tempHome } from '../helpers/server.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** fetch from one loopback address (undici passes localAddress to the socket). */
function fetchFrom(address: string): typeof fetch {
  const dispatcher = new Agent({ localAddress: address } as never);
  return ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

interface Deployment {
  url: string;
  clock: ManualClock;
  runtime: OpenedRuntime;
}

/**
 * The embedded authorization server with Ada's account, these limits, and whatever `prepare`
 * adds before it listens, served in this process on a ManualClock.
 */
async function deployment(rateLimits: Record<string, number>, prepare?: (runtime: OpenedRuntime) => Promise<void>): Promise<Deployment> {
  const home = tempHome('mcp-pa-lockout-');
  const file = path.join(home, 'limits.json');
  fs.writeFileSync(file, JSON.stringify({ rate_limits: rateLimits, authentication: { client_auth_methods: ['client_secret_basic'] } }));
  const env = { ...(await engineEnv(home)), MCP_OAUTH_KEY_ENCRYPTION_KEY: 'a key-encryption passphrase for tests', MCP_PA_CONFIG: file };
  const clock = new ManualClock(Date.now());
  const server = await startHttpInProcess({
    home,
    env,
    clock,
    prepare: async (runtime) => {
      await addLocalAccount(runtime.engine, ADA.email, await hashPassword(ADA.password));
      await prepare?.(runtime);
    },
  });
  return { url: server.url, clock, runtime: server.runtime };
}

/** An authorization request of a freshly registered public client (each visit starts a new sign-in). */
async function authorizationUrl(server: Deployment): Promise<{ url: URL; redirect: string }> {
  const provider = new MemoryOAuthProvider();
  const { auth } = await import('@modelcontextprotocol/client');
  await auth(provider, { serverUrl: `${server.url}/mcp` });
  return { url: provider.authorizationUrl!, redirect: provider.redirect };
}

/** A browser at one address on the sign-in form: posts it as often as it likes. */
async function signInForm(start: URL, fetchFn: typeof fetch) {
  const request = browserSession(fetchFn);
  let url = start.toString();
  let html = '';
  for (let hop = 0; hop < 10 && !html.includes('name="password"'); hop++) {
    const res = await request(url);
    const location = res.headers.get('location');
    if (location) url = new URL(location, url).toString();
    else html = await res.text();
  }
  const form = formOf(html);
  const action = new URL(form.action, url).toString();
  const csrf = form.csrf;
  const origin = new URL(url).origin;
  return {
    /** Posts the form; csrf and origin as the page gave them unless overridden. */
    post: async (fields: Record<string, string>) => {
      const res = await request(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({ csrf, ...fields }).toString(),
      });
      return { status: res.status, text: await res.text(), retryAfter: Number(res.headers.get('retry-after') ?? 0), headers: Object.fromEntries(res.headers) };
    },
  };
}

type Form = Awaited<ReturnType<typeof signInForm>>;
const slowedDown = (text: string) => text.includes('Too many failed attempts');
const limited = (text: string) => text.includes('Too many sign-in attempts');

/**
 * Guesses Ada's password from a form until the hard limit stops it, waiting out each slow-down on
 * the clock; returns how many guesses were really checked (answered 401).
 */
async function guessUntilLimited(form: Form, clock: ManualClock): Promise<number> {
  let checked = 0;
  for (let i = 0; i < 100; i++) {
    const res = await form.post({ email: ADA.email, password: `wrong guess ${i}` });
    if (res.status === 401) checked++;
    else if (res.status === 429 && slowedDown(res.text)) clock.advance(res.retryAfter * 1000);
    else if (res.status === 429 && limited(res.text)) return checked;
    else assert.fail(`unexpected answer ${res.status}: ${res.text.slice(0, 200)}`);
  }
  assert.fail('the guesses were never limited');
}

describe('nobody can lock an account out of signing in', () => {
  it('failures from another address neither lock the owner out of their own address nor go unlimited', async () => {
    const server = await deployment({ sign_in_per_15_minutes: 4 });
    const { url, redirect } = await authorizationUrl(server);
    const owner = fetchFrom('127.0.0.1');
    assert.ok((await signInAndConsent(url, redirect, ADA, [], owner)).searchParams.get('code'), 'the owner signs in from home');

    const attacker = await signInForm(url, fetchFrom('127.0.0.2'));
    assert.equal(await guessUntilLimited(attacker, server.clock), 4, 'the attacker gets as many guesses as the limit, slowed down');
    assert.equal((await attacker.post({ email: ADA.email, password: ADA.password })).status, 429, 'and then none, not even the right one');

    assert.ok((await signInAndConsent(url, redirect, ADA, [], owner)).searchParams.get('code'), 'the owner still signs in from home');
    // An address the account has not signed in from is held by the account-wide limit: guessing
    // from many addresses stays as slow as from one. Its window ends on the clock.
    const newPlace = fetchFrom('127.0.0.3');
    await assert.rejects(signInAndConsent(url, redirect, ADA, [], newPlace), /answered 429/);
    server.clock.advance(16 * MINUTE);
    assert.ok((await signInAndConsent(url, redirect, ADA, [], newPlace)).searchParams.get('code'), 'after the window, from anywhere');
  });

  it('only real password checks count: refused, malformed and cross-site posts spend nothing', async () => {
    const server = await deployment({ sign_in_per_15_minutes: 4 });
    const { url } = await authorizationUrl(server);
    const attacker = await signInForm(url, fetchFrom('127.0.0.2'));
    for (let i = 0; i < 3; i++) assert.equal((await attacker.post({ email: ADA.email, password: `wrong guess ${i}` })).status, 401);
    for (let i = 0; i < 10; i++) {
      const res = await attacker.post({ email: ADA.email, password: `hammering ${i}` });
      assert.ok(res.status === 429 && slowedDown(res.text), 'slowed down: no password is checked');
    }
    for (let i = 0; i < 5; i++) assert.equal((await attacker.post({ email: ADA.email })).status, 400, 'no password: nothing to check');
    for (let i = 0; i < 5; i++) assert.equal((await attacker.post({ email: ADA.email, password: 'x', csrf: 'forged' })).status, 403);
    server.clock.advance(MINUTE);
    const fourth = await attacker.post({ email: ADA.email, password: 'the fourth real guess' });
    assert.equal(fourth.status, 401, `the fourth password check happens (got ${fourth.status}: ${fourth.text.slice(0, 120)})`);
  });

  it('credential stuffing from one address meets the slow-down and the limit, whichever accounts it tries', async () => {
    const server = await deployment({ sign_in_per_15_minutes: 4 });
    const { url } = await authorizationUrl(server);
    const stuffer = await signInForm(url, fetchFrom('127.0.0.2'));
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await stuffer.post({ email: `victim-${i}@example.com`, password: `leaked password ${i}` });
      answers.push(res.status);
      if (res.status === 429 && slowedDown(res.text)) server.clock.advance(res.retryAfter * 1000);
    }
    assert.deepEqual(answers, [401, 401, 401, 429, 401, 429], 'three free guesses, then waits, across accounts');
    server.clock.advance(MINUTE);
    const res = await stuffer.post({ email: 'victim-9@example.com', password: 'another leaked one' });
    assert.ok(res.status === 429 && limited(res.text), 'then the per-address limit');
    assert.match(res.headers['ratelimit-policy'] ?? '', /^"sign-in-address"/);
  });

  it('simultaneous guesses cannot all slip under the limit (counted before the check, given back after)', async () => {
    const server = await deployment({ sign_in_per_15_minutes: 4 });
    const { url } = await authorizationUrl(server);
    const attacker = await signInForm(url, fetchFrom('127.0.0.2'));
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => attacker.post({ email: ADA.email, password: `burst guess ${i}` })));
    const checked = answers.filter((res) => res.status === 401).length;
    assert.ok(checked <= 4 && answers.every((res) => res.status === 401 || res.status === 429), `no more password checks than the limit (${checked})`);
    assert.equal(checked + (await guessUntilLimited(attacker, server.clock)), 4, 'and the limit is exactly the limit');
  });

  it('remembers where the owner signed in under a pseudonym, for 30 days', async () => {
    const server = await deployment({ sign_in_per_15_minutes: 3 });
    const { url, redirect } = await authorizationUrl(server);
    const owner = fetchFrom('127.0.0.1');
    assert.ok((await signInAndConsent(url, redirect, ADA, [], owner)).searchParams.get('code'));
    const rows = await server.runtime.engine.db.selectFrom('sign_in_addresses').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.doesNotMatch(JSON.stringify(rows), /127\.0\.0\.1|ada@example\.com/, 'neither the address nor the email is stored');

    server.clock.advance(31 * DAY);
    assert.equal(await guessUntilLimited(await signInForm(url, fetchFrom('127.0.0.2')), server.clock), 3);
    await assert.rejects(signInAndConsent(url, redirect, ADA, [], owner), /answered 429/, 'a month later home is a new address again');
  });
});

describe('nobody can lock a service client out of the token endpoint', () => {
  it('wrong secrets naming a client spend the sender’s allowance, not the client’s', async () => {
    let client = { id: '', secret: '' };
    const server = await deployment({ token_per_minute: 4 }, async (runtime) => {
      const added = await addClient(runtime, {
        name: 'Billing agent',
        authMethod: 'client_secret_basic',
        redirectUris: [],
        owner: ADA.email,
        scope: 'pa:read',
      });
      client = { id: added.clientId, secret: added.secret! };
    });
    const tokenRequest = (from: string, secret: string) =>
      fetchFrom(from)(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${server.url}/mcp` }).toString(),
      });

    for (let i = 0; i < 4; i++) assert.equal((await tokenRequest('127.0.0.2', `guess-${i}`)).status, 401);
    const stopped = await tokenRequest('127.0.0.2', 'guess-5');
    assert.equal(stopped.status, 429, 'the attacker is limited at its address');
    assert.match(stopped.headers.get('ratelimit-policy') ?? '', /^"token-address"/);

    const real = await tokenRequest('127.0.0.1', client.secret);
    assert.equal(real.status, 200, `the client still gets tokens with its secret: ${await real.clone().text()}`);
    assert.ok(((await real.json()) as { access_token?: string }).access_token);

    // The client's own allowance still holds wherever it calls from, and renews with its window.
    for (const from of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) assert.equal((await tokenRequest(from, client.secret)).status, 200);
    const spent = await tokenRequest('127.0.0.6', client.secret);
    assert.equal(spent.status, 429);
    assert.match(spent.headers.get('ratelimit-policy') ?? '', /^"token-client"/);
    server.clock.advance(MINUTE + 1000);
    assert.equal((await tokenRequest('127.0.0.6', client.secret)).status, 200);
  });
});
