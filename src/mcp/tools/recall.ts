import { FindRelatedInput, SearchInput, SearchResults } from '../../domain/search/schema.js';
import { findRelated, search } from '../../domain/search/service.js';
import type { SemanticQuery } from '../../domain/search/recall.js';
import { defineTool } from '../tool.js';

const resultsText = (r: SearchResults, none: string) =>
  [
    r.results.length === 0
      ? none
      : `${r.results.length} results (${r.mode}):\n${r.results.map((h) => `- ${h.kind} ${h.title} (id ${h.id}): ${h.snippet}`).join('\n')}`,
    ...(r.note ? [r.note] : []),
  ].join('\n');

export const searchTool = defineTool({
  name: 'search',
  title: 'Search',
  description: 'Search projects, tasks, todos, events and documents (with their text) by words, meaning, or both; best first.',
  input: SearchInput,
  output: SearchResults,
  access: 'read',
  // The query's embedding is made before the transaction: a provider's answer never holds one open.
  prepare: (input, { recall }): Promise<SemanticQuery | undefined> =>
    input.mode === 'keyword' || (input.mode === undefined && !recall.enabled) ? Promise.resolve(undefined) : recall.embedQuery(input.query),
  run: (ctx, input, semantic) => search(ctx, input, semantic),
  summarize: (r) => resultsText(r, 'Nothing matches.'),
});

export const findRelatedTool = defineTool({
  name: 'find_related',
  title: 'Find related items',
  description: 'The items nearest in meaning to one item, across kinds.',
  input: FindRelatedInput,
  output: SearchResults,
  access: 'read',
  run: (ctx, input) => findRelated(ctx, input),
  summarize: (r) => resultsText(r, 'Nothing related found.'),
});
