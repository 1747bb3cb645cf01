import { z } from 'zod';

/**
 * The export format: one tenant's data as stored, row by row (instants as UTC ISO strings,
 * priorities as ranks 1-4), with each item's tags, and documents with their bytes in base64.
 * Read back strictly: an unknown or missing field is an error, never silently dropped.
 */
const text = z.string();
const maybe = z.string().nullable();
const int = z.number().int();
const lifecycle = { id: text, created_at: text, updated_at: text, deleted_at: maybe, tags: z.array(text) };

export const ExportProfile = z.strictObject({
  name: maybe,
  city: maybe,
  state: maybe,
  country: maybe,
  location_details: maybe,
  laptop_os: maybe,
  laptop_model: maybe,
  laptop_specs: maybe,
  permissions: maybe,
  notes: maybe,
  timezone: maybe,
  updated_at: text,
});

export const ExportProject = z.strictObject({
  ...lifecycle,
  name: text,
  description: maybe,
  status: text,
  priority: int,
  start_date: maybe,
  end_date: maybe,
  notes: maybe,
  progress_override: int.nullable(),
});

export const ExportTask = z.strictObject({
  ...lifecycle,
  project_id: text,
  title: text,
  description: maybe,
  status: text,
  priority: int,
  due_at: maybe,
  due_date: maybe,
  completed_at: maybe,
  trashed_with_project: int,
});

export const ExportTodo = z.strictObject({
  ...lifecycle,
  title: text,
  description: maybe,
  due_at: maybe,
  due_date: maybe,
  reminder_at: maybe,
  priority: int,
  completed: int,
  completed_at: maybe,
  project_id: maybe,
});

export const ExportEvent = z.strictObject({
  ...lifecycle,
  title: text,
  description: maybe,
  start_at: text,
  end_at: text,
  all_day: int,
  long_event: int,
  timezone: text,
  location: maybe,
  attendees: text,
  reminder_minutes: int.nullable(),
});

export const ExportDocument = z.strictObject({
  ...lifecycle,
  title: text,
  description: maybe,
  source: text,
  category: text,
  mime_type: maybe,
  filename: maybe,
  size_bytes: int.nullable(),
  sha256: maybe,
  external_url: maybe,
  /** The plaintext bytes (an export is decrypted; the importing server encrypts with its own key). */
  content_base64: maybe,
});

export const ExportEmbedding = z.strictObject({ kind: text, id: text, embedding: z.array(z.number()) });

export const EXPORT_FORMAT = 'mcp-pa-export';
export const EXPORT_VERSION = 1;

export const TenantExport = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exported_at: text,
  profile: ExportProfile.nullable(),
  projects: z.array(ExportProject),
  tasks: z.array(ExportTask),
  todos: z.array(ExportTodo),
  events: z.array(ExportEvent),
  documents: z.array(ExportDocument),
  embeddings: z.array(ExportEmbedding),
});
export type TenantExport = z.infer<typeof TenantExport>;

export interface ImportReport {
  projects: number;
  tasks: number;
  todos: number;
  events: number;
  documents: number;
  embeddings: number;
  /** Embeddings in the file that this database cannot hold (no pgvector). */
  embeddings_skipped: number;
}
