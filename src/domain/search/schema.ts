import { z } from 'zod';
import { ITEM_KINDS } from '../../storage/schema.js';
import { CONTROL_PROBLEM, hasControlCharacters } from '../common/fields.js';

export const SearchInput = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(500, 'must be at most 500 characters')
    .refine((s) => !hasControlCharacters(s, true), CONTROL_PROBLEM)
    .describe('Words to look for in titles, descriptions, notes, tags and text documents; the last word may be a prefix.'),
  kinds: z
    .array(z.enum(ITEM_KINDS))
    .min(1, 'give at least one kind, or omit it to search everything')
    .optional()
    .describe(`Only these kinds: ${ITEM_KINDS.join(', ')}. Default: all.`),
  limit: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(20).describe('Most results (1-100, default 20).'),
});
export type SearchInput = z.output<typeof SearchInput>;

const SearchResult = z.object({
  kind: z.enum(ITEM_KINDS),
  id: z.string(),
  title: z.string(),
  snippet: z.string().describe('Where the words matched, marked with [brackets].'),
  score: z.number(),
  project_id: z.string().nullable(),
});

export const SearchResults = z.object({ results: z.array(SearchResult) });
export type SearchResults = z.infer<typeof SearchResults>;
