import crypto from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type Provider from 'oidc-provider';
import type { Clock } from '../../clock.js';
import type { Engine } from '../../storage/engine.js';
import { loginAccount } from '../../auth/accounts.js';
import { KnownAddresses } from '../../auth/known-addresses.js';
import { SCOPES } from '../../scopes.js';
import { consentChoiceOf, readOnlyOffered, recordConsent, scopesGiven } from '../../auth/consent.js';
import { consentPage, loginPage, messagePage, PAGE_CSP, STYLESHEET, STYLESHEET_PATH } from '../../auth/pages.js';
import { MAX_PASSWORD_LENGTH, verifyPassword } from '../../auth/passwords.js';
import { SignInLimits } from '../../auth/sign-in-limits.js';
import { isLoopbackHostname } from '../../config/schema.js';
import type { limitPolicies, RateLimits } from '../../security/rate-limits.js';
import type { AuditLog } from '../../security/audit.js';

export interface InteractionOptions {
  /** Its provider is read per request: it is rebuilt when the signing keys change. */
  authorizationServer: { readonly provider: Provider };
  engine: Engine;
  /** Derives the CSRF tokens: every instance computes the same one for an interaction. */
  kek: Buffer;
  /** The public origin: a form may only be posted from it. */
  origin: string;
  /** The canonical MCP URI: the resource a grant is for when the request named none. */
  resource: string;
  /** Sign-in attempts per address and per account, across every instance. */
  limits: RateLimits;
  policy: ReturnType<typeof limitPolicies>;
  audit: AuditLog;
  clock: Clock;
}

/** RFC 5321's limit on a forward path: no address is longer. */
const MAX_EMAIL_LENGTH = 320;
/** The scopes of this server an authorization request asks for. */
const requestedScopes = (scope: unknown) => [...new Set(String(scope ?? '').split(' '))].filter((s) => s === SCOPES.read || s === SCOPES.write);

/** Spent on a login for an email that has no account, so that it takes as long as a wrong password. */
const DUMMY_HASH = 'scrypt$32768$8$3$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * The login and consent pages of the embedded authorization server. Every form carries a CSRF
 * token bound to its interaction (an HMAC of the interaction's id) and must come from this
 * server's own origin; every POST answers 303; everything a client supplies is escaped.
 */
export function interactionRoutes(options: InteractionOptions): Router {
  const provider = () => options.authorizationServer.provider;
  const csrfKey = crypto.createHmac('sha256', options.kek).update('mcp-pa csrf').digest();
  const csrfFor = (uid: string) => crypto.createHmac('sha256', csrfKey).update(uid).digest('base64url');
  const csrfValid = (uid: string, token: unknown) => {
    const expected = Buffer.from(csrfFor(uid));
    const given = Buffer.from(typeof token === 'string' ? token : '');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  };
  // Referrer-Policy same-origin, not no-referrer: under no-referrer browsers send `Origin: null`
  // with the form, and the origin check would refuse every real sign-in (found in Chromium).
  const send = (res: Response, status: number, html: string) =>
    res.status(status).set({ 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' }).type('html').send(html);

  const signInLimits = new SignInLimits({
    engine: options.engine,
    limits: options.limits,
    policy: options.policy,
    knownAddresses: new KnownAddresses(options.engine, options.kek, options.clock),
    clock: options.clock,
  });

  const router = express.Router();
  router.get(STYLESHEET_PATH.replace('/oauth', ''), (_req, res) => void res.type('css').set('Cache-Control', 'public, max-age=3600').send(STYLESHEET));

  /** The interaction, or a page saying it is over (expired, finished, or never was). */
  const details = async (req: Request, res: Response) => {
    try {
      return await provider().interactionDetails(req, res);
    } catch {
      send(res, 400, messagePage('This sign-in has expired', 'Go back to the app and start again.'));
      return undefined;
    }
  };

  router.get('/interaction/:uid', async (req, res) => {
    const interaction = await details(req, res);
    if (!interaction) return;
    const client = await provider().Client.find(String(interaction.params.client_id));
    const clientName = client?.clientName ?? String(interaction.params.client_id);
    const action = `/oauth/interaction/${interaction.uid}/${interaction.prompt.name === 'login' ? 'login' : 'consent'}`;
    const csrf = csrfFor(interaction.uid);
    if (interaction.prompt.name === 'login') return void send(res, 200, loginPage({ action, csrf, clientName }));
    const redirect = new URL(String(interaction.params.redirect_uri));
    const scopes = requestedScopes(interaction.params.scope);
    send(
      res,
      200,
      consentPage({
        action,
        csrf,
        clientName,
        scopes,
        readOnlyChoice: readOnlyOffered(scopes),
        redirectHost: redirect.host || redirect.protocol,
        loopback: isLoopbackHostname(redirect.hostname),
      }),
    );
  });

  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const checked = async (req: Request, res: Response) => {
    const origin = req.headers.origin;
    const interaction = await details(req, res);
    if (!interaction) return undefined;
    if ((origin !== undefined && origin !== options.origin) || req.params.uid !== interaction.uid || !csrfValid(interaction.uid, req.body?.csrf)) {
      void options.audit.record({ type: 'csrf.refused', address: req.ip, details: { path: req.path } });
      send(res, 403, messagePage('Refused', 'This form did not come from this sign-in page. Go back to the app and start again.'));
      return undefined;
    }
    return interaction;
  };

  router.post('/interaction/:uid/login', form, async (req, res) => {
    const interaction = await checked(req, res);
    if (!interaction) return;
    const { email, password } = req.body as { email?: unknown; password?: unknown };
    const shownEmail = typeof email === 'string' ? email : '';
    const again = async (status: number, error: string) => {
      const client = await provider().Client.find(String(interaction.params.client_id));
      send(res, status, loginPage({ action: req.originalUrl, csrf: csrfFor(interaction.uid), clientName: client?.clientName ?? '', email: shownEmail, error }));
    };
    // A form without both fields checks no password, and so counts against no limit.
    if (
      typeof email !== 'string' ||
      typeof password !== 'string' ||
      !email.trim() ||
      !password ||
      email.length > MAX_EMAIL_LENGTH ||
      password.length > MAX_PASSWORD_LENGTH
    ) {
      return void (await again(400, 'Enter your email and your password.'));
    }
    const account = await loginAccount(options.engine, email);
    const attempt = await signInLimits.admit(email, req.ip, account?.subject);
    res.set(attempt.headers);
    if (attempt.refused) {
      res.set('Retry-After', String(attempt.retryAfterS));
      if (attempt.refused === 'slowed') {
        void options.audit.record({ type: 'login.throttled', actor: email, address: req.ip, details: { wait: attempt.retryAfterS } });
        return void (await again(429, `Too many failed attempts. Wait ${attempt.retryAfterS} seconds, then try again.`));
      }
      return void (await again(429, `Too many sign-in attempts. Wait ${attempt.retryAfterS} seconds, then try again.`));
    }
    const ok = (await verifyPassword(password, account?.password_hash ?? DUMMY_HASH)) && account !== undefined && account.disabled_at === null;
    if (!ok) {
      await attempt.failed();
      void options.audit.record({ type: 'login.failed', actor: email, address: req.ip, clientId: String(interaction.params.client_id) });
      return void (await again(401, 'The email or the password is wrong.'));
    }
    await attempt.succeeded(account.subject);
    void options.audit.record({ type: 'login.succeeded', actor: account.subject, address: req.ip, clientId: String(interaction.params.client_id) });
    await provider().interactionFinished(req, res, { login: { accountId: account.subject } }, { mergeWithLastSubmission: false });
  });

  router.post('/interaction/:uid/consent', form, async (req, res) => {
    const interaction = await checked(req, res);
    if (!interaction) return;
    const choice = consentChoiceOf(req.body.decision);
    const clientId = String(interaction.params.client_id);
    if (choice === 'deny') {
      void options.audit.record({ type: 'consent.denied', actor: interaction.session?.accountId, address: req.ip, clientId });
      return void (await provider().interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the user did not allow access' },
        { mergeWithLastSubmission: false },
      ));
    }
    const accountId = interaction.session!.accountId;
    const grant = (interaction.grantId ? await provider().Grant.find(interaction.grantId) : undefined) ?? new (provider().Grant)({ accountId, clientId });
    const missing = interaction.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    // The grant is kept under the resource as the request named it (the canonical one when it named none).
    const named = interaction.params.resource;
    const resources = new Set([
      ...Object.keys(missing.missingResourceScopes ?? {}),
      ...(named === undefined ? [options.resource] : [named].flat().map(String)),
    ]);
    const scopes = requestedScopes(interaction.params.scope);
    recordConsent(grant, { scopes, resources: [...resources], openidScopes: missing.missingOIDCScope ?? [] }, choice);
    const grantId = await grant.save();
    void options.audit.record({
      type: 'consent.granted',
      actor: accountId,
      address: req.ip,
      clientId,
      details: { scope: scopesGiven(scopes, choice).join(' '), asked: scopes.join(' ') },
    });
    await provider().interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });
  return router;
}
