import type { ProfileRow } from '../storage/repositories/profiles.js';
import type { TenantStore } from '../storage/repositories/index.js';
import type { Temporal } from './common/time.js';
import type { Secrets } from './secrets.js';
import type { Recall } from './search/recall.js';

/**
 * Everything a domain operation may touch, for one tenant inside one transaction: the tenant's
 * repositories and indexes (bound to it by storage, so domain code never names a tenant), and
 * the call's clock and limits. Built by the runtime per call; a tenant id is never a tool argument.
 */
export interface DomainContext extends TenantStore {
  /** The call's notion of now, fixed for the whole call. */
  readonly now: Temporal.Instant;
  /** The id every change of this call carries in the history (undo reverts a call by it). */
  readonly batchId: string;
  readonly limits: { readonly maxDocumentBytes: number; readonly historyDays: number };
  /** The profile row (undefined until the user sets something), read once per call. */
  profile(): Promise<ProfileRow | undefined>;
  /** The user's time zone: the profile's, else the system's. */
  zone(): Promise<string>;
  /** Sealing and finding secrets (feeds, webhooks): throws when the server was given no way to. */
  readonly secrets: Secrets;
  /** What the server offers the person here: HTTP mode has a listener (feeds), local mode none. */
  readonly server: ServerFacts;
  /** Records a security event of this person in the audit trail (HTTP mode; a no-op elsewhere). */
  audit(type: string, details?: Record<string, unknown>): void;
  /** Recall by meaning: whether items are embedded, and under which model. */
  readonly recall: Recall;
  /** What this call read from words (dates, repetition), to be stated with its result. */
  readonly readings: Reading[];
}

export interface Reading {
  field: string;
  said: string;
  read: string;
}

export interface ServerFacts {
  /** Whether this server serves HTTP (mcp-pa serve): only then are calendar feeds served. */
  readonly http: boolean;
  /** The public base URL clients reach it by, when known. */
  readonly publicUrl?: string;
}
