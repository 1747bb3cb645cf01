import type { Kysely } from 'kysely';
import type { BlobStore } from '../storage/blob-store.js';
import type { TransactionHooks } from '../storage/engine.js';
import type { Database } from '../storage/schema.js';
import type { SearchIndex } from '../storage/search.js';
import type { VectorIndex } from '../storage/vectors.js';
import type { ProfileRow } from './profile/repository.js';
import type { Temporal } from './common/time.js';

/**
 * Everything a domain operation may touch, for one tenant inside one transaction. Built by the
 * runtime per call; a tenant id is never a tool argument.
 */
export interface DomainContext {
  /** The transaction: every query of the call goes through it. */
  readonly db: Kysely<Database>;
  readonly tenantId: string;
  /** The call's notion of now, fixed for the whole call. */
  readonly now: Temporal.Instant;
  readonly search: SearchIndex;
  readonly vectors: VectorIndex;
  readonly blobs: BlobStore;
  readonly limits: { readonly maxDocumentBytes: number };
  readonly hooks: TransactionHooks;
  /** The profile row (undefined until the user sets something), read once per call. */
  profile(): Promise<ProfileRow | undefined>;
  /** The user's time zone: the profile's, else the system's. */
  zone(): Promise<string>;
}
