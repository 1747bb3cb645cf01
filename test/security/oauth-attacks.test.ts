import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { ADA, homeWithAda } from '../helpers/embedded-as.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { signInAndConsent } from '../helpers/oauth.js';
import { runCli } from '../helpers/server.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

interface Event {
  type: string;
  details: Record<string, unknown>;
}

/**
 * Attacks on the authorization code flow that must fail: PKCE downgrades and forgeries, redirect
 * URI tampering (never a redirect to an unregistered URI), each refusal in the audit trail.
 */
describe('attacks on the authorization code flow', () => {
  let home: string;
  let env: Record<string, string>;
  let server: HttpTestServer;
  let clientId: string;
  before(async () => {
    ({ home, env } = await homeWithAda());
    server = await HttpTestServer.start({ home, env });
    const registered = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
    });
    clientId = ((await registered.json()) as { client_id: string }).client_id;
  });
  after(() => server?.close());

  const authorizeUrl = (params: Record<string, string>) =>
    new URL(
      `${server.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: 'pa:read', state: 's', ...params })}`,
    );

  /** A code issued for this challenge, after Ada signs in and consents. */
  async function codeFor(verifier: string) {
    const callback = await signInAndConsent(
      authorizeUrl({ code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }),
      REDIRECT,
      ADA,
    );
    return callback.searchParams.get('code')!;
  }
  const redeem = (code: string, verifier?: string) =>
    fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        ...(verifier === undefined ? {} : { code_verifier: verifier }),
      }),
    });

  it('PKCE: a wrong, missing, short or ill-formed verifier does not redeem the code', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    for (const [what, attempt] of [
      ['a wrong verifier', oauth.generateRandomCodeVerifier()],
      ['no verifier', undefined],
      ['a short verifier (42 characters)', verifier.slice(0, 42)],
      ['an ill-formed verifier', `${verifier.slice(0, 42)}!`],
    ] as const) {
      const code = await codeFor(verifier);
      const res = await redeem(code, attempt);
      assert.equal(res.status, 400, what);
      // A verifier of the wrong shape is refused as a bad request before it is even compared.
      assert.match(((await res.json()) as { error: string }).error, /^invalid_(grant|request)$/, what);
    }
  });

  it('PKCE: no downgrade — without a challenge, or with plain, there is no code to redeem', async () => {
    const downgrades: Record<string, string>[] = [{}, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, { code_challenge: 'a'.repeat(43) }];
    for (const params of downgrades) {
      const res = await fetch(authorizeUrl(params), { redirect: 'manual' });
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.searchParams.get('error'), 'invalid_request', JSON.stringify(params));
      assert.equal(location.searchParams.get('code'), null);
    }
  });

  it('redirect_uri tampering: no variant of the registered URI is ever redirected to', async () => {
    const challenge = { code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), code_challenge_method: 'S256' };
    const variants = [
      'http://127.0.0.1:9/callback.evil.example',
      'http://127.0.0.1:9/callbackx',
      'http://127.0.0.1:9/callback/../admin',
      'http://127.0.0.1:9/CALLBACK',
      'http://127.0.0.1:9/callback/',
      'http://attacker@127.0.0.1:9/callback',
      'http://127.0.0.1:9@evil.example/callback',
      'http://127.0.0.1:9/callback?next=https://evil.example',
      'http://127.0.0.1:9/callback#fragment',
      'http://localhost:9/callback',
      'https://evil.example/callback',
    ];
    for (const redirect of variants) {
      const res = await fetch(authorizeUrl({ ...challenge, redirect_uri: redirect }), { redirect: 'manual' });
      assert.equal(res.status, 400, redirect);
      assert.equal(res.headers.get('location'), null, `${redirect}: no redirect at all`);
    }
    const unknown = await fetch(authorizeUrl({ ...challenge, client_id: 'a-client-nobody-registered' }), { redirect: 'manual' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers.get('location'), null, 'an unknown client is never redirected to');
  });

  it('every one of these refusals is in the audit trail', async () => {
    await server.close();
    const tail = await runCli(['audit', 'tail', '--last', '500'], home, env);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    const refusedTokens = events.filter((e) => e.type === 'token.refused' || (e.type === 'auth.denied' && e.details.route === 'token'));
    assert.ok(refusedTokens.length >= 4, `the four PKCE failures (got ${refusedTokens.length})`);
    assert.ok(
      refusedTokens.some((e) => /PKCE|code_verifier/i.test(String(e.details.reason))),
      'with the reason',
    );
    const refusedAuthorizations = events.filter((e) => e.type === 'authorization.refused');
    assert.ok(refusedAuthorizations.length >= 3 + 11 + 1, `the downgrades and the tampered redirects (got ${refusedAuthorizations.length})`);
    server = await HttpTestServer.start({ home, env });
  });
});
