import { newId } from '../domain/common/ids.js';
import type { Engine } from '../storage/engine.js';

/** The account a verified token speaks for, and the tenant that holds its data. */
export interface Account {
  tenantId: string;
  disabled: boolean;
}

/** Another request created the same account first; its row wins. */
class AccountCreatedElsewhere extends Error {}

async function findAccount(engine: Engine, issuer: string, subject: string): Promise<Account | undefined> {
  const row = await engine.db
    .selectFrom('accounts')
    .select(['tenant_id', 'disabled_at'])
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
  return row && { tenantId: row.tenant_id, disabled: row.disabled_at !== null };
}

/**
 * The account of issuer + subject, created with an empty tenant on its first request. Two first
 * requests at once (on any instances) end with one account: the loser's transaction rolls back.
 */
export async function accountFor(engine: Engine, issuer: string, subject: string): Promise<Account> {
  const known = await findAccount(engine, issuer, subject);
  if (known) return known;
  const tenantId = newId();
  const created_at = new Date().toISOString();
  try {
    await engine.transaction('write', tenantId, async (trx) => {
      await trx.insertInto('tenants').values({ id: tenantId, created_at }).execute();
      const inserted = await trx
        .insertInto('accounts')
        .values({ tenant_id: tenantId, issuer, subject, email: null, created_at, disabled_at: null })
        .onConflict((oc) => oc.columns(['issuer', 'subject']).doNothing())
        .returning('tenant_id')
        .executeTakeFirst();
      if (!inserted) throw new AccountCreatedElsewhere();
    });
    return { tenantId, disabled: false };
  } catch (err) {
    if (!(err instanceof AccountCreatedElsewhere)) throw err;
    return (await findAccount(engine, issuer, subject))!;
  }
}
