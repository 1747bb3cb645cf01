import type { ColumnType, Generated } from 'kysely';

/** A column the database fills with its default when an insert leaves it out. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
/** A column added later: null unless set, so an insert may leave it out. */
type Nullable = ColumnType<string | null, string | null | undefined, string | null>;

/**
 * The tables, as Kysely sees them. Instants are ISO-8601 UTC strings with milliseconds
 * (`2026-11-26T06:50:00.000Z`, which sort as text); plain dates are `YYYY-MM-DD`; priorities
 * are ranks 1 (low) to 4 (urgent) so they sort. Every row carries its tenant.
 */
export interface ProfileTable {
  tenant_id: string;
  name: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  location_details: string | null;
  laptop_os: string | null;
  laptop_model: string | null;
  laptop_specs: string | null;
  permissions: string | null; // JSON array of strings
  notes: string | null;
  timezone: string | null;
  /** JSON { days, start, end }; null: the default (09:00-17:00, Monday to Friday). */
  working_hours: Nullable;
  reminder_webhook_url: Nullable;
  reminder_webhook_format: Nullable;
  /** The webhook's signing secret, sealed under the key-encryption key. */
  reminder_webhook_secret: Nullable;
  /** When the webhook was set: reminders due before are never pushed. */
  reminder_webhook_since: Nullable;
  updated_at: string;
}

interface Lifecycle {
  tenant_id: string;
  id: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

interface ProjectTable extends Lifecycle {
  name: string;
  description: string | null;
  status: string;
  priority: number;
  start_date: string | null;
  end_date: string | null;
  notes: string | null;
  progress_override: number | null;
}

interface TaskTable extends Lifecycle {
  project_id: string;
  title: string;
  description: string | null;
  status: string;
  priority: number;
  due_at: string | null;
  due_date: string | null; // the plain date when the user gave only a date
  completed_at: string | null;
  trashed_with_project: number; // 1 while in the trash because its project is
  recurrence: Nullable;
  exdates: Defaulted<string>; // JSON list of stored instants
  rdates: Defaulted<string>; // JSON list of stored instants
  completions: Defaulted<number>;
  /** The parent task (same project), or null at the top; see migration 018. */
  parent_id: Nullable;
  trashed_with_parent: Defaulted<number>; // 1 while in the trash because its parent is
  /** due_at, or a date after every date for undated tasks (set by the repository). */
  due_sort: Defaulted<string>;
}

interface TodoTable extends Lifecycle {
  title: string;
  description: string | null;
  due_at: string | null;
  due_date: string | null; // the plain date when the user gave only a date
  reminder_at: string | null;
  priority: number;
  completed: number;
  completed_at: string | null;
  project_id: string | null;
  /** due_at, or a date after every date for undated todos (see dueSort). */
  due_sort: string;
  /** The event this todo was booked into (schedule_todo). */
  scheduled_event_id: Nullable;
  uid: Nullable;
  recurrence: Nullable;
  exdates: Defaulted<string>; // JSON list of stored instants
  rdates: Defaulted<string>; // JSON list of stored instants
  completions: Defaulted<number>;
  parent_id: Nullable;
  trashed_with_parent: Defaulted<number>;
}

/** One change to an item (migration 019): the fields it changed, before and after, as JSON. */
interface ItemChangeTable {
  tenant_id: string;
  change_id: string;
  batch_id: string;
  at: string;
  actor: string;
  action: string;
  item_kind: string;
  item_id: string;
  before: string | null;
  after: string | null;
  undone_by: Nullable;
}

interface EventTable extends Lifecycle {
  title: string;
  description: string | null;
  start_at: string;
  end_at: string;
  all_day: number;
  /** 0 a single event, 1 a single long one, 2 a recurring series: see storage/repositories/events.ts. */
  long_event: number;
  timezone: string;
  location: string | null;
  attendees: string; // JSON array of strings
  reminder_minutes: number | null;
  recurrence: Nullable;
  exdates: Defaulted<string>; // JSON list of stored instants (original starts)
  rdates: Defaulted<string>; // JSON list of stored instants
  exceptions: Defaulted<string>; // JSON: changed occurrences by original start (see domain/calendar/series.ts)
  /** A series: the end of its last occurrence, or END_OF_TIME when it never ends; null for single events. */
  series_end: Nullable;
  /** A series: event_occurrences holds every occurrence overlapping [covered_from, covered_to). */
  covered_from: Nullable;
  covered_to: Nullable;
  /** The todo this event was booked for (schedule_todo). */
  todo_id: Nullable;
  /** The iCalendar UID it was imported with. */
  uid: Nullable;
}

/** A reminder sent, or being tried, to the person's webhook. */
interface ReminderDeliveryTable {
  tenant_id: string;
  delivery_id: string;
  item_kind: string;
  item_id: string;
  remind_at: string;
  status: string; // sent | failed
  attempts: Defaulted<number>;
  last_attempt_at: string | null;
  last_error: string | null;
  sent_at: string | null;
}

/** A person's calendar feed: found by a keyed hash of its secret; the secret sealed. */
interface CalendarFeedTable {
  tenant_id: string;
  secret_hash: string;
  secret_sealed: string;
  created_at: string;
}

/** An occurrence of a recurring event, kept for a window around now (derived from the series row). */
interface EventOccurrenceTable {
  tenant_id: string;
  event_id: string;
  /** The occurrence's original start (RECURRENCE-ID): it stays when the occurrence is moved. */
  occurrence_start: string;
  start_at: string;
  end_at: string;
  long_event: number;
}

interface DocumentTable extends Lifecycle {
  title: string;
  description: string | null;
  source: string; // upload | external
  category: string;
  mime_type: string | null;
  filename: string | null;
  size_bytes: number | null;
  sha256: string | null;
  external_url: string | null;
  encrypted: number;
}

/** A document's stored bytes (ciphertext when encrypted), piece `seq` of them, on PostgreSQL and PGlite. */
interface DocumentBlobChunkTable {
  tenant_id: string;
  document_id: string;
  seq: number;
  bytes: Buffer;
}

interface TenantTable {
  id: string;
  created_at: string;
}

interface AccountTable {
  tenant_id: string;
  issuer: string;
  subject: string;
  email: string | null;
  created_at: string;
  disabled_at: string | null;
  password_hash: string | null;
  /** Access tokens issued before this instant (a password change) are refused. */
  tokens_valid_after: string | null;
}

interface OAuthRecordTable {
  model: string;
  id_hash: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: string | null;
  consumed_at: string | null;
  account_id: string | null;
}

interface SigningKeyTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_sealed: string;
  created_at: string;
  retired_at: string | null;
  verify_until: string | null;
}

interface LoginFailureTable {
  subject: string;
  failures: number;
  last_failure_at: string;
}

interface SignInAddressTable {
  /** A keyed pseudonym of (account, network). */
  key: string;
  last_success_at: string;
}

interface ItemTagTable {
  tenant_id: string;
  item_kind: string;
  item_id: string;
  tag: string;
}

/** SQLite: maps FTS5 rowids to items. PostgreSQL: the searchable text itself (and a generated tsvector). */
interface SearchItemTable {
  rowid: Generated<number>;
  tenant_id: string;
  item_kind: string;
  item_id: string;
  title: SearchText;
  body: SearchText;
  tags: SearchText;
}

/** Present on PostgreSQL only: optional when inserting (SQLite keeps the text in FTS5). */
type SearchText = ColumnType<string, string | undefined, string>;

/** Live items per tenant and bucket, kept by triggers (see migrations/001-initial.ts). */
interface ItemCountTable {
  tenant_id: string;
  bucket: string;
  n: number;
}

/** Work due for one tenant at a moment (see storage/repositories/due-work.ts): ids and times only. */
interface DueWorkTable {
  tenant_id: string;
  kind: string;
  /** The item the work is about; '' for work about the whole tenant. */
  item_id: string;
  due_at: string;
  attempts: ColumnType<number, number | undefined, number>;
}

export interface AuditEventTable {
  seq: Generated<number>;
  at: string;
  type: string;
  /** A keyed pseudonym of the person or account (never an email). */
  actor: string | null;
  /** A keyed pseudonym of the client's address. */
  address: string | null;
  client_id: string | null;
  /** JSON: the rest of the event (never a token, secret, password or document content). */
  details: string;
  prev_hash: string;
  hash: string;
}

interface RateLimitTable {
  key: string;
  points: number;
  /** Milliseconds since the epoch (a string when PostgreSQL returns a bigint); null: never. */
  expire: number | string | null;
}

interface EmbeddingModelTable {
  id: number;
  name: string;
  dimensions: number;
  created_at: string;
}

/** A passage's embedding: float32 bytes on SQLite, a `real[]` literal in and numbers out on PostgreSQL. */
interface ItemVectorTable {
  tenant_id: string;
  model_id: number;
  item_kind: string;
  item_id: string;
  passage: number;
  passage_text: string;
  embedding: ColumnType<unknown, unknown, never>;
}

interface EmbeddingQueueTable {
  tenant_id: string;
  item_kind: string;
  item_id: string;
  version: ColumnType<number, number | undefined, number>;
  attempts: ColumnType<number, number | undefined, number>;
  ready_at: string;
  last_error: string | null;
}

interface ItemAttachmentTable {
  tenant_id: string;
  document_id: string;
  item_kind: string;
  item_id: string;
  created_at: string;
}

/** A document's extracted text, or why there is none (status: extracted, pending, failed, none). */
interface DocumentTextTable {
  tenant_id: string;
  document_id: string;
  status: string;
  reason: string | null;
  content: string | null;
}

interface MetaTable {
  key: string;
  value: string;
}

interface SchemaMigrationTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface Database {
  tenants: TenantTable;
  accounts: AccountTable;
  oauth_records: OAuthRecordTable;
  signing_keys: SigningKeyTable;
  login_failures: LoginFailureTable;
  rate_limits: RateLimitTable;
  sign_in_addresses: SignInAddressTable;
  audit_events: AuditEventTable;
  profiles: ProfileTable;
  projects: ProjectTable;
  tasks: TaskTable;
  todos: TodoTable;
  events: EventTable;
  event_occurrences: EventOccurrenceTable;
  reminder_deliveries: ReminderDeliveryTable;
  calendar_feeds: CalendarFeedTable;
  documents: DocumentTable;
  document_blob_chunks: DocumentBlobChunkTable;
  item_tags: ItemTagTable;
  search_items: SearchItemTable;
  item_counts: ItemCountTable;
  due_work: DueWorkTable;
  item_changes: ItemChangeTable;
  embedding_models: EmbeddingModelTable;
  item_vectors: ItemVectorTable;
  embedding_queue: EmbeddingQueueTable;
  item_attachments: ItemAttachmentTable;
  document_texts: DocumentTextTable;
  meta: MetaTable;
  schema_migrations: SchemaMigrationTable;
}

/** The kinds of item a user keeps; also the `kind` of delete_item, restore_item and search. */
export const ITEM_KINDS = ['project', 'task', 'todo', 'event', 'document'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const TABLE_OF_KIND = {
  project: 'projects',
  task: 'tasks',
  todo: 'todos',
  event: 'events',
  document: 'documents',
} as const satisfies Record<ItemKind, keyof Database>;
