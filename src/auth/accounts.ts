import { UserError } from '../errors.js';
import { newId } from '../domain/common/ids.js';
import type { Runtime } from '../runtime.js';
import type { Engine } from '../storage/engine.js';
import { revokeAccountRecords } from '../storage/oauth-records.js';

/** The account a verified token speaks for, and the tenant that holds its data. */
export interface Account {
  tenantId: string;
  disabled: boolean;
  /** Seconds since the epoch: tokens issued before then no longer speak for the account (its password changed). */
  tokensValidAfter?: number;
}

/**
 * The issuer recorded for accounts of the embedded authorization server. Not its URL: the public
 * URL may change, and the accounts stay.
 */
export const EMBEDDED_ISSUER = 'mcp-pa';

/** Another request created the same account first; its row wins. */
class AccountCreatedElsewhere extends Error {}

async function findAccountRow(engine: Engine, issuer: string, subject: string): Promise<Account | undefined> {
  const row = await engine.db
    .selectFrom('accounts')
    .select(['tenant_id', 'disabled_at', 'tokens_valid_after'])
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return (
    row && {
      tenantId: row.tenant_id,
      disabled: row.disabled_at !== null,
      tokensValidAfter: row.tokens_valid_after ? Math.floor(Date.parse(row.tokens_valid_after) / 1000) : undefined,
    }
  );
}

/**
 * The account of issuer + subject, created with an empty tenant on its first request. Two first
 * requests at once (on any instances) end with one account: the loser's transaction rolls back.
 */
export async function accountFor(engine: Engine, issuer: string, subject: string): Promise<Account> {
  const known = await findAccountRow(engine, issuer, subject);
  if (known) return known;
  const tenantId = newId();
  const created_at = new Date().toISOString();
  try {
    await engine.transaction('write', tenantId, async (trx) => {
      await trx.insertInto('tenants').values({ id: tenantId, created_at }).execute();
      const inserted = await trx
        .insertInto('accounts')
        .values({ tenant_id: tenantId, issuer, subject, email: null, created_at, disabled_at: null, password_hash: null, tokens_valid_after: null })
        .onConflict((oc) => oc.columns(['issuer', 'subject']).doNothing())
        .returning('tenant_id')
        .executeTakeFirst();
      if (!inserted) throw new AccountCreatedElsewhere();
    });
    return { tenantId, disabled: false };
  } catch (err) {
    if (!(err instanceof AccountCreatedElsewhere)) throw err;
    return (await findAccountRow(engine, issuer, subject))!;
  }
}

/** An account as `mcp-pa user` shows it. */
export interface AccountRecord {
  id: string;
  issuer: string;
  subject: string;
  email: string | null;
  created_at: string;
  disabled_at: string | null;
}

/** How an administrator names an account: by email, by the token subject, or by its id. */
export interface AccountSelector {
  email?: string;
  subject?: string;
  id?: string;
}

export function listAccounts(engine: Engine): Promise<AccountRecord[]> {
  return engine.db
    .selectFrom('accounts')
    .select(['tenant_id as id', 'issuer', 'subject', 'email', 'created_at', 'disabled_at'])
    .orderBy('created_at')
    .orderBy('tenant_id')
    .execute();
}

/** The tenants whose account is disabled. */
export async function disabledTenants(engine: Engine): Promise<Set<string>> {
  const rows = await engine.db.selectFrom('accounts').select('tenant_id').where('disabled_at', 'is not', null).execute();
  return new Set(rows.map((r) => r.tenant_id));
}

/** Whether the person's account is disabled (local mode's tenant has none: never). */
export async function tenantDisabled(engine: Engine, tenantId: string): Promise<boolean> {
  const row = await engine.db
    .selectFrom('accounts')
    .select('disabled_at')
    .where('tenant_id', '=', tenantId)
    .where('disabled_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** The one account the selector names; a clear error when it names none or several. */
export async function selectAccount(engine: Engine, selector: AccountSelector): Promise<AccountRecord> {
  const given = Object.entries(selector).filter(([, value]) => value !== undefined);
  if (given.length !== 1) throw new UserError('name the account with exactly one of --email, --subject or --id');
  const [key, value] = given[0] as [keyof AccountSelector, string];
  const all = await listAccounts(engine);
  const matches = all.filter((a) => (key === 'email' ? a.email?.toLowerCase() === value.toLowerCase() : a[key] === value));
  if (matches.length === 0) throw new UserError(`no account with ${key} "${value}" (mcp-pa user list shows them all)`);
  if (matches.length > 1) throw new UserError(`${matches.length} accounts have ${key} "${value}" (from different issuers): name one with --id`);
  return matches[0]!;
}

/** Refuses the account's tokens from now on and revokes what the embedded authorization server issued it. */
export async function disableAccount(engine: Engine, account: AccountRecord): Promise<number> {
  await engine.db.updateTable('accounts').set({ disabled_at: new Date().toISOString() }).where('tenant_id', '=', account.id).execute();
  return revokeAccountRecords(engine, account.subject);
}

/**
 * A new password for an account of the embedded authorization server: its grants, sessions and
 * refresh tokens are revoked, and access tokens issued until now are refused from the next request.
 */
export async function changePassword(engine: Engine, account: AccountRecord, passwordHash: string): Promise<number> {
  if (account.issuer !== EMBEDDED_ISSUER) throw new UserError('that account signs in at another issuer: its password is not kept here');
  // The second that just began counts as before the change: a token issued in it is refused too.
  const cutOff = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000).toISOString();
  await engine.db.updateTable('accounts').set({ password_hash: passwordHash, tokens_valid_after: cutOff }).where('tenant_id', '=', account.id).execute();
  return revokeAccountRecords(engine, account.subject);
}

/** Erases the account and all of its data: every item, document and search entry, then the tenant. */
export async function deleteAccount(engine: Engine, runtime: Runtime, account: AccountRecord): Promise<void> {
  await revokeAccountRecords(engine, account.subject);
  // Loaded here: the transfer service brings the document parsers, which only a deletion needs.
  const { clearTenant } = await import('../domain/transfer/service.js');
  await runtime.run('write', account.id, async (ctx) => {
    await clearTenant(ctx);
    // The account row and the tenant's counters and tags go with the tenant (foreign keys cascade).
    await ctx.tenant.remove();
  });
}

/** An account of the embedded authorization server, by the subject of its tokens. */
export async function embeddedAccount(engine: Engine, subject: string): Promise<Account | undefined> {
  return findAccountRow(engine, EMBEDDED_ISSUER, subject);
}

/** What the login form checks: the account of an email (any case), its password hash and state. */
export async function loginAccount(engine: Engine, email: string) {
  return engine.db
    .selectFrom('accounts')
    .select(['subject', 'password_hash', 'disabled_at'])
    .where('issuer', '=', EMBEDDED_ISSUER)
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

/** Creates an account of the embedded authorization server, with its (empty) tenant. */
export async function addLocalAccount(engine: Engine, email: string, passwordHash: string): Promise<AccountRecord> {
  const normalised = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalised)) throw new UserError(`"${email}" is not an email address`);
  if (await loginAccount(engine, normalised)) throw new UserError(`an account with the email ${normalised} exists already`);
  const id = newId();
  const created_at = new Date().toISOString();
  await engine.transaction('write', id, async (trx) => {
    await trx.insertInto('tenants').values({ id, created_at }).execute();
    await trx
      .insertInto('accounts')
      .values({
        tenant_id: id,
        issuer: EMBEDDED_ISSUER,
        subject: id,
        email: normalised,
        created_at,
        disabled_at: null,
        password_hash: passwordHash,
        tokens_valid_after: null,
      })
      .execute();
  });
  return { id, issuer: EMBEDDED_ISSUER, subject: id, email: normalised, created_at, disabled_at: null };
}
