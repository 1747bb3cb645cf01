import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoNow, type Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import type { Engine } from '../storage/engine.js';
import type { Database } from '../storage/schema.js';
import {
  anchorSignatureValid,
  chainMac,
  GENESIS,
  hasValidMac,
  REKEYED,
  signAnchor,
  SWEPT,
  verifyChain,
  type AuditAnchor,
  type AuditContent,
  type AuditRow,
  type AuditVerdict,
} from './audit-chain.js';
import { auditKeys, KEY_IN_DATABASE_WARNING, type AuditKeys } from './audit-keys.js';

export { type AuditAnchor, type AuditRow, type AuditVerdict } from './audit-chain.js';

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

/** What the trail needs: its table, where its lines and checkpoints go, the time, and its settings and key. */
export interface AuditDeps {
  engine: Engine;
  logger: Logger;
  clock: Clock;
  config: Pick<ResolvedConfig, 'audit' | 'authentication' | 'dataDir'>;
}

export interface AuditLogOptions {
  /** Events waiting for the table, at most; past it an event reaches only the JSON log, and the table records how many did. */
  maxQueued?: number;
}

const MAX_QUEUED = 10_000;
/** Events written to the table in one transaction. */
const BATCH = 200;
const WRITE_ATTEMPTS = 3;
/** Rate-limit windows counted at once; past it the oldest is recorded early. */
const OPEN_TRIPS = 10_000;
/** How often the server looks whether a checkpoint or a rate-limit window is due (read on the injected clock). */
const TICK_MS = 30_000;
const DAY_MS = 86_400_000;

interface Queued {
  row: AuditContent;
  done: () => void;
}
interface Head {
  seq: number;
  hash: string;
}
interface Drops {
  count: number;
  queue_full: number;
  write_failed: number;
  first_at: string;
  last_at: string;
}
interface Trip {
  policy: string;
  address?: string;
  since: number;
  until: number;
  refused: number;
}

const systemEvent = (at: string, type: string, details: Record<string, unknown>): AuditContent => ({
  at,
  type,
  actor: null,
  address: null,
  client_id: null,
  details: JSON.stringify(details),
});

/**
 * The audit trail of HTTP mode: every event as a JSON line in the log, written when it happens,
 * and as a row of the append-only `audit_events` table, written behind it in batches. Rows are
 * chained by a MAC under a key the database never holds, and signed checkpoints of the chain's
 * head go to the log, so that someone who can write the database can neither change nor remove
 * what a checkpoint covers unseen. Emails, subjects and addresses are keyed pseudonyms (HMAC).
 * Recording never fails the request that caused it; events the table could not take are counted
 * and the count recorded.
 */
export class AuditLog {
  #keys?: AuditKeys;
  #loading?: Promise<AuditKeys>;
  #queue: Queued[] = [];
  #drops?: Drops;
  #writing?: Promise<void>;
  /** Transactions of this process, one after another (batches, the sweep, the re-keying). */
  #serial: Promise<unknown> = Promise.resolve();
  /** Whether this process has looked at the head for a trail of earlier versions to re-key. */
  #headChecked = false;
  #anchored?: Head;
  #lastAnchorAt: number;
  #sinceAnchor = 0;
  #trips = new Map<string, Trip>();
  #timer?: NodeJS.Timeout;
  readonly #maxQueued: number;

  /** Events logged whose rows are not written yet (a metric). */
  get queued(): number {
    return this.#queue.length;
  }

  constructor(
    private readonly deps: AuditDeps,
    options: AuditLogOptions = {},
  ) {
    this.#maxQueued = options.maxQueued ?? MAX_QUEUED;
    this.#lastAnchorAt = deps.clock.now();
  }

  /**
   * Loads the keys (so that every later event's log line is written at once), re-keys a trail of
   * earlier versions, and starts looking for due checkpoints. The server awaits it before listening.
   */
  async ready(): Promise<void> {
    const keys = await this.#loadKeys();
    if (keys.root === 'database') this.deps.logger.error({ security: KEY_IN_DATABASE_WARNING }, `SECURITY: ${KEY_IN_DATABASE_WARNING}`);
    await this.#exclusive(() => this.#transact(() => []));
    this.#timer ??= setInterval(() => void this.tick(), TICK_MS).unref();
  }

  /** Records the event: its log line now, its row soon; resolves when the row is written (callers need not wait). */
  record(input: AuditInput): Promise<void> {
    const at = isoNow(this.deps.clock);
    if (this.#keys) return this.#accept(this.#keys, at, input);
    // Only before ready(): the line waits for the keys.
    return this.#loadKeys().then(
      (keys) => this.#accept(keys, at, input),
      (err: Error) => this.deps.logger.error({ err: err.message, type: input.type }, 'could not record an audit event'),
    );
  }

  #accept(keys: AuditKeys, at: string, input: AuditInput): Promise<void> {
    const pseudonym = (value: string | undefined) =>
      value ? crypto.createHmac('sha256', keys.pseudonym).update(value.trim().toLowerCase()).digest('base64url').slice(0, 16) : null;
    const details = Object.fromEntries(Object.entries(input.details ?? {}).filter(([name, value]) => value !== undefined && !NEVER_RECORDED.test(name)));
    const row: AuditContent = {
      at,
      type: input.type,
      actor: pseudonym(input.actor),
      address: pseudonym(input.address),
      client_id: input.clientId ?? null,
      details: JSON.stringify(details),
    };
    this.#log(row);
    if (this.#queue.length >= this.#maxQueued) {
      this.#dropped(1, 'queue_full', at);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#queue.push({ row, done: resolve });
      this.#writing ??= this.#drain();
    });
  }

  /** The JSON line: written synchronously (the logger's destination is), before the request's response. */
  #log(row: AuditContent): void {
    this.deps.logger.info({ audit: { ...row, details: JSON.parse(row.details) as unknown } }, `audit: ${row.type}`);
  }

  #dropped(count: number, reason: 'queue_full' | 'write_failed', at: string): void {
    const drops = (this.#drops ??= { count: 0, queue_full: 0, write_failed: 0, first_at: at, last_at: at });
    drops.count += count;
    drops[reason] += count;
    drops.last_at = at;
  }

  /** Drops not recorded after all (their write failed) go into the next count. */
  #keepDrops(earlier: Drops): void {
    const later = this.#drops;
    this.#drops = later
      ? {
          count: earlier.count + later.count,
          queue_full: earlier.queue_full + later.queue_full,
          write_failed: earlier.write_failed + later.write_failed,
          first_at: earlier.first_at,
          last_at: later.last_at,
        }
      : earlier;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, BATCH);
        const rows = batch.map((queued) => queued.row);
        const drops = this.#drops;
        this.#drops = undefined;
        if (drops) {
          // The table missed events (their lines are in the log): it says how many, before the next ones.
          const row = systemEvent(isoNow(this.deps.clock), 'audit.dropped', { ...drops });
          this.#log(row);
          rows.unshift(row);
        }
        try {
          await this.#exclusive(() => this.#transact(() => rows));
        } catch (err) {
          this.deps.logger.error(
            { err: (err as Error).message, events: batch.length },
            'could not write audit events to the table (their lines are in this log)',
          );
          if (drops) this.#keepDrops(drops);
          this.#dropped(batch.length, 'write_failed', isoNow(this.deps.clock));
        }
        for (const queued of batch) queued.done();
      }
    } finally {
      this.#writing = undefined;
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  /**
   * One transaction: under the trail's lock (one writer at a time across instances), `build` gives
   * the rows to append, which are numbered and chained after the head.
   */
  async #transact(build: (trx: Kysely<Database>, head: Head | undefined) => AuditContent[] | Promise<AuditContent[]>): Promise<void> {
    const keys = await this.#loadKeys();
    const { engine } = this.deps;
    for (let attempt = 1; ; attempt++) {
      try {
        const { head, count, rekeyed } = await engine.db.transaction().execute(async (trx) => {
          await engine.lockNamed(trx, 'mcp-pa audit');
          const last = await trx.selectFrom('audit_events').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
          const lastRow = last && normalise(last);
          const rekeyed = this.#headChecked ? [] : await this.#rekeyIfUnkeyed(trx, lastRow, keys);
          const rows = [...rekeyed, ...(await build(trx, lastRow && { seq: lastRow.seq, hash: lastRow.hash }))];
          let prev = lastRow?.hash ?? GENESIS;
          let seq = lastRow?.seq ?? 0;
          const values = rows.map((row) => {
            seq += 1;
            const value = { ...row, seq, prev_hash: prev, hash: chainMac(keys.chain, seq, prev, row) };
            prev = value.hash;
            return value;
          });
          if (values.length) await trx.insertInto('audit_events').values(values).execute();
          return { head: values.length ? { seq, hash: prev } : lastRow && { seq: lastRow.seq, hash: lastRow.hash }, count: values.length, rekeyed };
        });
        this.#headChecked = true;
        for (const row of rekeyed) this.#log(row);
        this.#written(head, count);
        return;
      } catch (err) {
        // Two writers on SQLite may race for the next number: the loser tries again.
        if (attempt >= WRITE_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * A trail written by an earlier version (unkeyed hashes) goes on with keyed rows after one
   * `chain.rekeyed` event that vouches for it. Never twice: a head without a valid MAC in a trail
   * that was keyed before was written by someone without the key, and is reported, not blessed.
   */
  async #rekeyIfUnkeyed(trx: Kysely<Database>, head: AuditRow | undefined, keys: AuditKeys): Promise<AuditContent[]> {
    if (!head || hasValidMac(keys.chain, head)) return [];
    const first = normalise(await trx.selectFrom('audit_events').selectAll().orderBy('seq').limit(1).executeTakeFirstOrThrow());
    const rekeyedBefore = await trx.selectFrom('audit_events').select('seq').where('type', '=', REKEYED).limit(1).executeTakeFirst();
    if (rekeyedBefore || hasValidMac(keys.chain, first)) {
      this.deps.logger.error(
        { seq: head.seq },
        'SECURITY: the newest audit event carries no valid MAC: it was written by someone without the key (run mcp-pa audit verify)',
      );
      return [];
    }
    this.deps.logger.warn({ from: first.seq, to: head.seq }, 'the audit trail was written by an earlier version: it goes on with keyed events from here');
    return [systemEvent(isoNow(this.deps.clock), REKEYED, { unkeyed_first_seq: first.seq, unkeyed_first_prev: first.prev_hash, unkeyed_head_seq: head.seq })];
  }

  /** After a write: a checkpoint when enough events or time have passed. */
  #written(head: Head | undefined, count: number): void {
    this.#sinceAnchor += count;
    const { anchor_every_events: everyEvents, anchor_every_minutes: everyMinutes } = this.deps.config.audit;
    if (this.#sinceAnchor >= everyEvents || this.deps.clock.now() - this.#lastAnchorAt >= everyMinutes * 60_000) this.#anchor(head);
  }

  /** A signed checkpoint of the head in the JSON log, `{"audit_anchor": {seq, mac, at, sig}}` (unless nothing changed since the last). */
  #anchor(head: Head | undefined): void {
    if (!head || !this.#keys || (this.#anchored?.seq === head.seq && this.#anchored.hash === head.hash)) return;
    const anchor = signAnchor(this.#keys.anchor, { seq: head.seq, mac: head.hash }, isoNow(this.deps.clock));
    this.deps.logger.info({ audit_anchor: anchor }, 'audit checkpoint');
    this.#anchored = head;
    this.#sinceAnchor = 0;
    this.#lastAnchorAt = this.deps.clock.now();
  }

  async #readHead(): Promise<Head | undefined> {
    const last = await this.deps.engine.db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return last && { seq: Number(last.seq), hash: last.hash };
  }

  /** What the server does now and then: records rate-limit windows that ended, and a checkpoint when one is due. */
  async tick(): Promise<void> {
    this.#closeTrips(false);
    if (this.#keys && this.deps.clock.now() - this.#lastAnchorAt >= this.deps.config.audit.anchor_every_minutes * 60_000) this.#anchor(await this.#readHead());
  }

  /**
   * A request refused by a rate limit. The first refusal of a key's window is recorded at once
   * (`rate_limit.tripped`); the others are counted, and the count recorded once when the window
   * ends (`rate_limit.refusals`), so a flood costs two events, not one per request.
   */
  rateLimitRefused(policy: string, key: string, address: string | undefined, windowLeftMs: number): void {
    const id = `${policy}\n${key}`;
    const now = this.deps.clock.now();
    const open = this.#trips.get(id);
    if (open && now < open.until) {
      open.refused += 1;
      return;
    }
    if (open) this.#closeTrip(id, open);
    const until = now + Math.max(1000, windowLeftMs);
    this.#trips.set(id, { policy, address, since: now, until, refused: 1 });
    void this.record({ type: 'rate_limit.tripped', address, details: { policy, window_ends: new Date(until).toISOString() } });
    if (this.#trips.size > OPEN_TRIPS) {
      const [oldestId, oldest] = this.#trips.entries().next().value as [string, Trip];
      this.#closeTrip(oldestId, oldest);
    }
  }

  #closeTrip(id: string, trip: Trip): void {
    this.#trips.delete(id);
    if (trip.refused < 2) return;
    const until = Math.min(trip.until, this.deps.clock.now());
    void this.record({
      type: 'rate_limit.refusals',
      address: trip.address,
      details: { policy: trip.policy, refused: trip.refused, since: new Date(trip.since).toISOString(), until: new Date(until).toISOString() },
    });
  }

  #closeTrips(all: boolean): void {
    const now = this.deps.clock.now();
    for (const [id, trip] of this.#trips) if (all || now >= trip.until) this.#closeTrip(id, trip);
  }

  /**
   * Removes events older than the retention period (at least a day: the table refuses younger
   * deletions) and records the sweep with the last event it removed, so that `verify` accepts the
   * oldest event kept. Returns how many it removed.
   */
  async sweep(retentionDays: number): Promise<number> {
    const before = new Date(this.deps.clock.now() - Math.max(1, retentionDays) * DAY_MS).toISOString();
    const db = this.deps.engine.db;
    // Most runs find nothing (and local mode never needs the keys).
    if (!(await db.selectFrom('audit_events').select('seq').where('at', '<', before).limit(1).executeTakeFirst())) return 0;
    let removed = 0;
    let recorded: AuditContent[] = [];
    await this.#exclusive(() =>
      this.#transact(async (trx, head) => {
        removed = 0;
        recorded = [];
        // Everything before the oldest event still young enough: the kept part stays one unbroken chain.
        const kept = await trx.selectFrom('audit_events').select('seq').where('at', '>=', before).orderBy('seq').limit(1).executeTakeFirst();
        const limit = kept ? Number(kept.seq) : head!.seq + 1;
        const through = await trx
          .selectFrom('audit_events')
          .select(['seq', 'hash'])
          .where('seq', '<', limit)
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (!through) return [];
        removed = Number((await trx.deleteFrom('audit_events').where('seq', '<=', through.seq).executeTakeFirst()).numDeletedRows);
        recorded = [systemEvent(isoNow(this.deps.clock), SWEPT, { removed, through_seq: Number(through.seq), through_mac: through.hash, older_than: before })];
        return recorded;
      }),
    );
    for (const row of recorded) this.#log(row);
    return removed;
  }

  #loadKeys(): Promise<AuditKeys> {
    this.#loading ??= auditKeys(this.deps).then((keys) => (this.#keys = keys));
    return this.#loading;
  }

  /** Resolves once every event recorded so far is written. */
  async flush(): Promise<void> {
    await this.#loading?.catch(() => undefined);
    while (this.#writing) await this.#writing;
    await this.#serial;
  }

  /** At shutdown: the rate-limit windows still open, every queued event, and a last checkpoint. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closeTrips(true);
    await this.flush();
    if (this.#keys) this.#anchor(await this.#readHead());
  }
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

/**
 * Checks the whole trail with the chain key (see verifyChain), and, given a checkpoint from the
 * JSON log, that its signature holds and that the trail still has the event it names, unchanged.
 */
export async function verifyAudit(deps: Pick<AuditDeps, 'engine' | 'config'>, anchor?: AuditAnchor): Promise<AuditVerdict> {
  const keys = await auditKeys(deps);
  if (anchor && !anchorSignatureValid(keys.anchor, anchor)) {
    return {
      intact: false,
      seq: anchor.seq,
      at: anchor.at,
      reason: "the checkpoint's signature does not hold: it was not written by this deployment, or it was altered",
    };
  }
  const verdict = verifyChain(await readAudit(deps.engine), keys.chain, anchor);
  if (verdict.intact && keys.root === 'database') verdict.notes.push(`WARNING: ${KEY_IN_DATABASE_WARNING}`);
  return verdict;
}
