import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuditEventTable } from '../storage/schema.js';

/** A stored event, as read back. */
export type AuditRow = Selectable<AuditEventTable>;
/** An event's content, before it is numbered and chained. */
export type AuditContent = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>;

/** The first row's predecessor. */
export const GENESIS = '0'.repeat(64);
/** Written once when a trail of unkeyed rows (earlier versions) goes on with keyed ones. */
export const REKEYED = 'chain.rekeyed';
/** Written by the retention sweep, naming the last event it removed. */
export const SWEPT = 'audit.swept';

/**
 * The chain of earlier versions: an unkeyed SHA-256 over the content and the previous hash. Anyone
 * who can write the database can recompute it, so it is only checked for rows written before the
 * trail was keyed.
 */
export function legacyHash(prevHash: string, row: AuditContent): string {
  return crypto
    .createHash('sha256')
    .update(`${prevHash}\n${JSON.stringify([row.at, row.type, row.actor, row.address, row.client_id, row.details])}`)
    .digest('hex');
}

/** Each row's MAC covers its number, its content and the MAC before it, under a key the database never holds. */
export function chainMac(key: Buffer, seq: number, prevMac: string, row: AuditContent): string {
  return crypto
    .createHmac('sha256', key)
    .update(JSON.stringify(['mcp-pa audit v2', seq, prevMac, row.at, row.type, row.actor, row.address, row.client_id, row.details]))
    .digest('hex');
}

export const hasValidMac = (key: Buffer, row: AuditRow) => chainMac(key, row.seq, row.prev_hash, row) === row.hash;

/** A signed checkpoint: the trail's head at a time, written to the JSON log (outside the database). */
export interface AuditAnchor {
  seq: number;
  mac: string;
  at: string;
  sig: string;
}

const anchorSignature = (key: Buffer, anchor: Omit<AuditAnchor, 'sig'>) =>
  crypto
    .createHmac('sha256', key)
    .update(JSON.stringify(['mcp-pa audit anchor', anchor.seq, anchor.mac, anchor.at]))
    .digest('hex');

export function signAnchor(key: Buffer, head: { seq: number; mac: string }, at: string): AuditAnchor {
  const anchor = { seq: head.seq, mac: head.mac, at };
  return { ...anchor, sig: anchorSignature(key, anchor) };
}

export function anchorSignatureValid(key: Buffer, anchor: AuditAnchor): boolean {
  const expected = Buffer.from(anchorSignature(key, anchor), 'hex');
  const given = Buffer.from(anchor.sig, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

const isAnchor = (value: unknown): value is AuditAnchor => {
  const a = value as Partial<AuditAnchor> | null;
  return !!a && typeof a === 'object' && Number.isSafeInteger(a.seq) && typeof a.mac === 'string' && typeof a.at === 'string' && typeof a.sig === 'string';
};

/**
 * The last checkpoint in a text: one `{"audit_anchor": {…}}` object, or a whole JSON log (one
 * object a line) in which checkpoints are lines among others. Undefined when there is none.
 */
export function lastAnchorIn(text: string): AuditAnchor | undefined {
  const objects: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('audit_anchor')) continue;
    try {
      objects.push(JSON.parse(line));
    } catch {
      // not a JSON line: the log may hold other output
    }
  }
  if (objects.length === 0) {
    try {
      objects.push(JSON.parse(text));
    } catch {
      return undefined;
    }
  }
  const anchors = objects.map((o) => (o as { audit_anchor?: unknown } | null)?.audit_anchor).filter(isAnchor);
  return anchors.at(-1);
}

export type AuditVerdict =
  { intact: true; count: number; firstSeq?: number; lastSeq?: number; notes: string[] } | { intact: false; seq: number; at: string; reason: string };

const broken = (row: { seq: number; at: string }, reason: string): AuditVerdict => ({ intact: false, seq: row.seq, at: row.at, reason });

/** Where the oldest kept event may start without the ones before it: a recorded sweep, or the unkeyed start a re-keying vouched for. */
interface Explanation {
  /** The predecessor the oldest kept event must name. */
  prev: string;
  /** Its number must be this (keyed rows), or undefined (unkeyed rows, numbered with gaps). */
  seq?: number;
  note: string;
}

/**
 * Walks the whole trail in order. Keyed rows must carry a valid MAC, follow the row before them
 * and be numbered without a gap. Unkeyed rows (earlier versions) are accepted only before a valid
 * `chain.rekeyed` event, which vouches for them. The oldest row must be the first ever, or start
 * where a recorded retention sweep (or the re-keying) says. With an anchor, the row it names must
 * be there and carry its MAC: nothing up to it was removed or changed.
 */
export function verifyChain(rows: AuditRow[], key: Buffer, anchor?: AuditAnchor): AuditVerdict {
  const notes: string[] = [];
  const explanations: Explanation[] = [];
  let prev: AuditRow | undefined;
  let unkeyed = 0;
  let keyedSeen = false;
  for (const row of rows) {
    const keyed = hasValidMac(key, row);
    if (!keyed && keyedSeen) return broken(row, 'its MAC does not match: it was altered, or written by someone without the key');
    if (!keyed && legacyHash(row.prev_hash, row) !== row.hash)
      return broken(row, 'its content does not match its MAC: it was altered, or written by someone without the key');
    if (keyed && !keyedSeen && unkeyed > 0 && row.type !== REKEYED) {
      return broken(
        rows[0]!,
        `events #${rows[0]!.seq} to #${prev!.seq} carry no MAC and no re-keying vouches for them: they were forged or rewritten by someone without the key`,
      );
    }
    if (prev && row.prev_hash !== prev.hash) return broken(row, `it does not follow event #${prev.seq}: an event between them was removed, or one was altered`);
    if (prev && keyed && row.seq !== prev.seq + 1) return broken(row, `events #${prev.seq + 1} to #${row.seq - 1} are missing: they were removed`);
    if (keyed) {
      keyedSeen = true;
      const details = JSON.parse(row.details) as Record<string, unknown>;
      if (row.type === SWEPT && typeof details.through_mac === 'string') {
        explanations.push({
          prev: details.through_mac,
          seq: Number(details.through_seq) + 1,
          note: `events up to #${String(details.through_seq)} were removed by the retention sweep of ${row.at}`,
        });
      }
      if (row.type === REKEYED && typeof details.unkeyed_first_prev === 'string') {
        explanations.push({ prev: details.unkeyed_first_prev, note: '' });
      }
    } else unkeyed++;
    prev = row;
  }
  const first = rows[0];
  if (first && !keyedSeen) {
    return broken(
      first,
      'no event carries a valid MAC: the trail was written before the upgrade and not yet re-keyed (start mcp-pa serve once), or it was forged by someone without the key',
    );
  }
  if (first) {
    const startsTheChain = first.prev_hash === GENESIS && (unkeyed > 0 || first.seq === 1);
    const explained = explanations.find((e) => e.prev === first.prev_hash && (e.seq === undefined || unkeyed > 0 || e.seq === first.seq));
    if (!startsTheChain && !explained) {
      return broken(first, `the oldest event kept is not the first one, and no recorded retention sweep removed the events before it: they were deleted`);
    }
    if (explained?.note) notes.push(explained.note);
  }
  if (unkeyed > 0)
    notes.push(
      `events #${first!.seq} to #${rows[unkeyed - 1]!.seq} were written before the trail was keyed: only their unkeyed hashes vouch for them, up to the re-keying`,
    );
  if (anchor) {
    const verdict = checkAnchor(rows, anchor, explanations);
    if (typeof verdict !== 'string') return verdict;
    notes.push(verdict);
  }
  return { intact: true, count: rows.length, firstSeq: first?.seq, lastSeq: prev?.seq, notes };
}

/** The anchor's event: present with the anchored MAC, or removed by a recorded sweep. */
function checkAnchor(rows: AuditRow[], anchor: AuditAnchor, explanations: Explanation[]): AuditVerdict | string {
  const head = rows.at(-1);
  const where = { seq: anchor.seq, at: anchor.at };
  if (!head || head.seq < anchor.seq) {
    return broken(
      where,
      `the newest event is ${head ? `#${head.seq}` : 'none'}, older than the checkpoint of ${anchor.at} (#${anchor.seq}): the newest events were removed`,
    );
  }
  const row = rows.find((r) => r.seq === anchor.seq);
  if (row) {
    if (row.hash !== anchor.mac)
      return broken(row, `it does not match the checkpoint of ${anchor.at}: it or an event before it was changed, removed or replaced`);
    return `checkpoint of ${anchor.at} (#${anchor.seq}) matches: nothing up to it was removed or changed`;
  }
  const sweptPast = explanations.some((e) => e.seq !== undefined && e.seq > anchor.seq);
  if (sweptPast) return `checkpoint of ${anchor.at} (#${anchor.seq}) names an event the retention sweep has since removed`;
  return broken(where, `the event of the checkpoint of ${anchor.at} is missing: it was removed`);
}
