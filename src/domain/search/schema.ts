import { z } from 'zod';
import { ITEM_KINDS } from '../../storage/schema.js';
import { CONTROL_PROBLEM, hasControlCharacters } from '../common/fields.js';

const SEARCH_MODES = ['keyword', 'semantic', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

const kindsFilter = z
  .array(z.enum(ITEM_KINDS))
  .min(1, 'give at least one kind, or omit it to search everything')
  .optional()
  .describe(`Only these kinds: ${ITEM_KINDS.join(', ')}. Default: all.`);

export const SearchInput = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(500, 'must be at most 500 characters')
    .refine((s) => !hasControlCharacters(s, true), CONTROL_PROBLEM)
    .describe('What to look for in titles, descriptions, notes, tags and documents; in keyword mode the last word may be a prefix.'),
  kinds: kindsFilter,
  mode: z
    .enum(SEARCH_MODES)
    .optional()
    .describe('keyword: the words; semantic: the meaning; hybrid: both. Default: hybrid when embeddings are on, else keyword.'),
  limit: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(20).describe('Most results (1-100, default 20).'),
});
export type SearchInput = z.output<typeof SearchInput>;

export const FindRelatedInput = z.strictObject({
  kind: z.enum(ITEM_KINDS).describe('The kind of the item.'),
  id: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').describe('Its id, from a list, get or search result.'),
  kinds: kindsFilter,
  limit: z.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50').default(10).describe('Most results (1-50, default 10).'),
});
export type FindRelatedInput = z.output<typeof FindRelatedInput>;

const SearchResult = z.object({
  kind: z.enum(ITEM_KINDS),
  id: z.string(),
  title: z.string(),
  snippet: z.string().describe('Matched words in [brackets].'),
  score: z.number(),
  project_id: z.string().nullable(),
  found_by: z.array(z.enum(['keyword', 'semantic'])),
  passage: z.number().int().nullable(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResults = z.object({
  results: z.array(SearchResult),
  mode: z.enum(SEARCH_MODES),
  note: z.string().optional().describe('Why another mode than asked answered.'),
});
export type SearchResults = z.infer<typeof SearchResults>;
