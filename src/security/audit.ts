import crypto from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { ConfigError } from '../config/load.js';
import type { Runtime } from '../runtime.js';
import type { Engine } from '../storage/engine.js';
import type { AuditEventTable } from '../storage/schema.js';

/** The first row's predecessor. */
export const GENESIS = '0'.repeat(64);
/** Details under these names are dropped, whatever a caller passes: they could hold a credential or content. */
const NEVER_RECORDED = /token|secret|password|assertion|verifier|^code$|content|cookie|authorization/i;

export interface AuditInput {
  /** What happened, e.g. login.failed, token.issued, auth.denied, admin.client.added. */
  type: string;
  /** The person or account: an email or a token subject (recorded as a keyed pseudonym). */
  actor?: string;
  /** The client's network address (recorded as a keyed pseudonym). */
  address?: string;
  clientId?: string;
  details?: Record<string, unknown>;
}

/** A stored event, as read back. */
export type AuditRow = Selectable<AuditEventTable>;

type Unchained = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>;

/** Each row's hash covers its content and its predecessor's hash: a changed, removed or reordered row breaks the chain. */
export function chainHash(prevHash: string, row: Unchained): string {
  return crypto.createHash('sha256').update(`${prevHash}\n${JSON.stringify([row.at, row.type, row.actor, row.address, row.client_id, row.details])}`).digest('hex');
}

/**
 * The audit trail of HTTP mode: every event as a JSON line in the log and as a row of the
 * append-only `audit_events` table, chained by hash. Emails, subjects and addresses are keyed
 * pseudonyms (HMAC), the same for the same person across events and instances, meaningless without
 * the key. Recording never fails the request that caused it: a failure to write is logged.
 */
export class AuditLog {
  #chain: Promise<void> = Promise.resolve();
  #key?: Promise<Buffer>;

  constructor(private readonly runtime: Runtime) {}

  /** Queues the event; resolves when it is written (callers need not wait). */
  record(input: AuditInput): Promise<void> {
    const at = new Date().toISOString();
    this.#chain = this.#chain
      .then(() => this.#append(at, input))
      .catch((err: Error) => this.runtime.logger.error({ err: err.message, type: input.type }, 'could not write an audit event'));
    return this.#chain;
  }

  async #append(at: string, input: AuditInput): Promise<void> {
    const key = await this.#pseudonymKey();
    const pseudonym = (value: string | undefined) => (value ? crypto.createHmac('sha256', key).update(value.trim().toLowerCase()).digest('base64url').slice(0, 16) : null);
    const details = Object.fromEntries(Object.entries(input.details ?? {}).filter(([name, value]) => value !== undefined && !NEVER_RECORDED.test(name)));
    const row: Unchained = { at, type: input.type, actor: pseudonym(input.actor), address: pseudonym(input.address), client_id: input.clientId ?? null, details: JSON.stringify(details) };
    this.runtime.logger.info({ audit: { ...row, details } }, `audit: ${input.type}`);
    const { engine } = this.runtime;
    await engine.db.transaction().execute(async (trx) => {
      // One writer at a time across instances, so every row follows the one before it.
      if (engine.dialect === 'postgresql') await sql`SELECT pg_advisory_xact_lock(hashtext('mcp-pa audit'))`.execute(trx);
      const last = await trx.selectFrom('audit_events').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const prevHash = last?.hash ?? GENESIS;
      await trx.insertInto('audit_events').values({ ...row, prev_hash: prevHash, hash: chainHash(prevHash, row) }).execute();
    });
  }

  /** The HMAC key: derived from the key-encryption key, or (without one, on a PostgreSQL server) a random key kept in the database. */
  #pseudonymKey(): Promise<Buffer> {
    this.#key ??= (async () => {
      const { keyEncryptionKey } = await import('../auth/key-encryption-key.js');
      try {
        return crypto.createHmac('sha256', await keyEncryptionKey(this.runtime)).update('mcp-pa audit pseudonyms').digest();
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const db = this.runtime.engine.db;
        await db.insertInto('meta').values({ key: 'audit_pseudonym_key', value: crypto.randomBytes(32).toString('base64') }).onConflict((oc) => oc.column('key').doNothing()).execute();
        const { value } = await db.selectFrom('meta').select('value').where('key', '=', 'audit_pseudonym_key').executeTakeFirstOrThrow();
        return Buffer.from(value, 'base64');
      }
    })();
    return this.#key;
  }

  /** Resolves once every event recorded so far is written. */
  flush(): Promise<void> {
    return this.#chain;
  }
}

const logs = new WeakMap<Runtime, AuditLog>();

/** The runtime's audit trail (one per process and database). */
export function auditOf(runtime: Runtime): AuditLog {
  let log = logs.get(runtime);
  if (!log) logs.set(runtime, (log = new AuditLog(runtime)));
  return log;
}

/** Events in order, from the oldest kept (or after a sequence number), optionally of some types. */
export async function readAudit(engine: Engine, options: { afterSeq?: number; types?: string[]; last?: number } = {}): Promise<AuditRow[]> {
  let query = engine.db.selectFrom('audit_events').selectAll();
  if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq);
  if (options.types?.length) query = query.where('type', 'in', options.types);
  if (options.last !== undefined) {
    const rows = await query.orderBy('seq', 'desc').limit(options.last).execute();
    return rows.reverse().map(normalise);
  }
  return (await query.orderBy('seq').execute()).map(normalise);
}

const normalise = (row: AuditRow): AuditRow => ({ ...row, seq: Number(row.seq) });

export type AuditVerdict = { intact: true; count: number; firstSeq?: number; lastSeq?: number } | { intact: false; seq: number; at: string; reason: string };

/**
 * Walks the chain from the oldest row kept (retention may have removed older ones: its predecessor
 * hash is taken as given) and reports the first row that does not follow from the one before it.
 */
export async function verifyAudit(engine: Engine): Promise<AuditVerdict> {
  const rows = await readAudit(engine);
  let prev: AuditRow | undefined;
  for (const row of rows) {
    if (prev && row.prev_hash !== prev.hash) return { intact: false, seq: row.seq, at: row.at, reason: `it does not follow event #${prev.seq}: an event before it was removed, reordered or altered` };
    if (chainHash(row.prev_hash, row) !== row.hash) return { intact: false, seq: row.seq, at: row.at, reason: 'its content does not match its hash: it was altered' };
    prev = row;
  }
  return { intact: true, count: rows.length, firstSeq: rows[0]?.seq, lastSeq: prev?.seq };
}

/** Removes events older than the retention period (at least a day: the table refuses younger deletions). */
export async function sweepAudit(engine: Engine, retentionDays: number): Promise<number> {
  const before = new Date(Date.now() - Math.max(1, retentionDays) * 86_400_000).toISOString();
  const result = await engine.db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
