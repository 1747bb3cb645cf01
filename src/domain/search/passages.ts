import type { SearchEntry } from '../../storage/search.js';

/** About a paragraph: long enough to carry a thought, short enough for a small model's window. */
const PASSAGE_CHARS = 1200;
/** Carried over from the passage before, so a thought cut at a boundary is whole in one of them. */
const OVERLAP_CHARS = 150;
/** A long document's first passages (about 75,000 characters) are embedded; keyword search reads it all. */
const MAX_PASSAGES = 64;

/** Where to cut text at or before `end`: a paragraph, else a sentence, else a space, else `end`. */
function cutPoint(text: string, start: number, end: number): number {
  if (end >= text.length) return text.length;
  const window = text.slice(start, end);
  for (const boundary of [/\n\s*\n/g, /[.!?]\s/g, /\s/g]) {
    let last = -1;
    for (const m of window.matchAll(boundary)) if (m.index > window.length / 2) last = m.index + m[0].length;
    if (last > 0) return start + last;
  }
  return end;
}

/**
 * The passages an item is embedded as: its title with each piece of its text (one passage when
 * the text is short), tags with the first. A search hit names the passage that matched.
 */
export function passagesOf(entry: Pick<SearchEntry, 'title' | 'body' | 'tags'>): string[] {
  const head = [entry.title, entry.tags.length ? `Tags: ${entry.tags.join(', ')}` : ''].filter(Boolean).join('\n');
  const body = entry.body.trim();
  if (body.length <= PASSAGE_CHARS) return [[head, body].filter(Boolean).join('\n')];
  const passages: string[] = [];
  let start = 0;
  while (start < body.length && passages.length < MAX_PASSAGES) {
    const end = cutPoint(body, start, start + PASSAGE_CHARS);
    passages.push(`${passages.length === 0 ? head : entry.title}\n${body.slice(start, end).trim()}`);
    if (end >= body.length) break;
    start = Math.max(end - OVERLAP_CHARS, start + 1);
    // Start the overlap at a word.
    const space = body.indexOf(' ', start);
    if (space !== -1 && space < end) start = space + 1;
  }
  return passages;
}

/** A passage as a snippet: without the title line(s) it begins with, at most `max` characters. */
export function passageSnippet(passage: string, title: string, max = 240): string {
  let text = passage.startsWith(title) ? passage.slice(title.length) : passage;
  text = text.replace(/^\s*Tags: [^\n]*\n?/, '').trim();
  if (text === '') return title;
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}
