import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuditLog } from '../../security/audit.js';
import { refuse } from './guards.js';

/**
 * Small bodies (ordinary tool calls) may go a little past a full budget, so a tenant whose big
 * uploads fill it, or a server full of uploads, still answers everyone's everyday requests.
 */
const SMALL_BODY = 64 * 1024;
const SMALL_BODY_HEADROOM = 8 * 1024 * 1024;

/** Seconds a refused client should wait: uploads in flight finish within seconds. */
const RETRY_TENANT_S = 2;
const RETRY_SERVER_S = 5;

export type BudgetRefusal = 'tenant' | 'server';

export interface BudgetLimits {
  /** Bytes of request bodies in flight on this instance. */
  total: number;
  /** The same, per tenant. */
  perTenant: number;
}

/** Bytes one request holds in the budget; it may grow while a body of unknown length streams in. */
export interface BodyReservation {
  readonly bytes: number;
  /** Takes `more` bytes; a refusal leaves the reservation as it was. */
  grow(more: number): BudgetRefusal | undefined;
  release(): void;
}

/**
 * Bytes of request bodies in flight, per tenant and in all. A body costs a few times its size in
 * memory while it is read, parsed, decoded and stored; counting bodies before they are read (from
 * Content-Length) bounds what any one tenant, and all of them together, can make the server hold.
 */
export class BodyBudget {
  private total = 0;
  private readonly byTenant = new Map<string, number>();

  constructor(readonly limits: BudgetLimits) {}

  /** Bytes in flight, in all or for one tenant. */
  inFlight(tenant?: string): number {
    return tenant === undefined ? this.total : (this.byTenant.get(tenant) ?? 0);
  }

  reserve(tenant: string, bytes: number): BodyReservation | BudgetRefusal {
    const refused = this.refusal(tenant, bytes, bytes);
    if (refused) return refused;
    this.take(tenant, bytes);
    let held = bytes;
    let released = false;
    return {
      get bytes() {
        return held;
      },
      grow: (more) => {
        if (released) return undefined;
        const refusal = this.refusal(tenant, more, held + more);
        if (refusal) return refusal;
        this.take(tenant, more);
        held += more;
        return undefined;
      },
      release: () => {
        if (released) return;
        released = true;
        this.take(tenant, -held);
      },
    };
  }

  /** Whether `more` bytes fit, for a request that would then hold `requestBytes`. */
  private refusal(tenant: string, more: number, requestBytes: number): BudgetRefusal | undefined {
    const headroom = requestBytes <= SMALL_BODY ? SMALL_BODY_HEADROOM : 0;
    if (this.inFlight(tenant) + more > this.limits.perTenant + headroom) return 'tenant';
    if (this.total + more > this.limits.total + headroom) return 'server';
    return undefined;
  }

  private take(tenant: string, bytes: number) {
    this.total += bytes;
    const now = (this.byTenant.get(tenant) ?? 0) + bytes;
    if (now > 0) this.byTenant.set(tenant, now);
    else this.byTenant.delete(tenant);
  }
}

const reservations = new WeakMap<Request, BodyReservation>();

/** The budget a request's body was admitted under (for a reader to grow it as a chunked body streams in). */
export const reservationOf = (req: Request) => reservations.get(req);

/** 429 when the tenant's share is full, 503 when the server's is; both say when to come back. */
export function refuseOverBudget(res: Response, refusal: BudgetRefusal) {
  // The body is never held: Node discards what the client still sends once this answer is out.
  // (Closing the connection instead would stop it sooner, but fetch-based clients then see a
  // broken pipe rather than this answer and its Retry-After.)
  if (refusal === 'tenant') {
    res.set('Retry-After', String(RETRY_TENANT_S));
    return refuse(res, 429, 'Too many request bytes in flight for this account: wait for your uploads in progress to finish, then retry');
  }
  res.set('Retry-After', String(RETRY_SERVER_S));
  return refuse(res, 503, 'The server is handling as many uploads as it can hold: retry shortly');
}

export interface AdmitBodyOptions {
  budget: BodyBudget;
  /** The tenant the request acts for (the bearer gate ran first). */
  tenantOf(req: Request): string;
  /** Bodies declared larger are left to the reader, which refuses them (413) unread. */
  maxBytes: number;
  audit: AuditLog;
  /** Called once a request's body is done with (the response ended or the client went away). */
  onReleased?(bytes: number): void;
}

/**
 * Admits a request's body into the budget before a byte of it is read, by its Content-Length (a
 * chunked body starts at nothing and grows as it streams in); refuses it otherwise. The bytes are
 * held until the response is over.
 */
export function admitBody(options: AdmitBodyOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return next();
    const declared = Number(req.headers['content-length'] ?? 0);
    const bytes = Number.isSafeInteger(declared) && declared >= 0 && declared <= options.maxBytes ? declared : 0;
    const tenant = options.tenantOf(req);
    const reservation = options.budget.reserve(tenant, bytes);
    if (typeof reservation === 'string') {
      void options.audit.record({
        type: 'request.refused',
        address: req.ip,
        details: { status: reservation === 'tenant' ? 429 : 503, reason: `request bytes in flight (${reservation})`, bytes, path: req.path },
      });
      return refuseOverBudget(res, reservation);
    }
    reservations.set(req, reservation);
    res.once('close', () => {
      // An idle keep-alive connection keeps its last request, and so the parsed body, reachable.
      req.body = undefined;
      const held = reservation.bytes;
      reservation.release();
      options.onReleased?.(held);
    });
    next();
  };
}
