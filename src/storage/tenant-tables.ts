/** Every table that holds a tenant's data; each carries tenant_id and, on PostgreSQL, forced RLS. */
export const TENANT_TABLES = [
  'tenants',
  'profiles',
  'projects',
  'tasks',
  'todos',
  'events',
  'documents',
  'document_blob_chunks',
  'item_tags',
  'item_counts',
  'search_items',
  'due_work',
  'event_occurrences',
  'reminder_deliveries',
  'calendar_feeds',
  'item_changes',
] as const;

/** Created only where the vector extension exists. */
export const VECTOR_TABLES = ['item_embeddings'] as const;
