import type { Event } from '../domain/calendar/schema.js';
import type { Document } from '../domain/documents/schema.js';
import type { Project, Task } from '../domain/projects/schema.js';
import type { Reminder } from '../domain/reminders/schema.js';
import type { Todo } from '../domain/todos/schema.js';

/** One line per item, for the human-readable part of tool results. */
export const todoLine = (t: Todo) =>
  `${t.completed ? '[x]' : '[ ]'} ${t.title} (id ${t.id}${t.due_date ? `, due ${t.due_date}` : ''}${t.overdue ? ', OVERDUE' : ''}, ${t.priority})`;

export const taskLine = (t: Task) =>
  `${t.status === 'done' ? '[x]' : '[ ]'} ${t.title} (id ${t.id}, ${t.status}${t.due_date ? `, due ${t.due_date}` : ''}${t.overdue ? ', OVERDUE' : ''})`;

export const projectLine = (p: Project) => `${p.name} (id ${p.id}, ${p.status}, ${p.priority} priority, ${p.progress}% done, ${p.task_counts.total} tasks)`;

export const eventLine = (e: Event) =>
  `${e.title}: ${e.all_day ? `${e.start_time}${e.end_time !== e.start_time ? ` to ${e.end_time}` : ''} (all day)` : `${e.start_time} to ${e.end_time}`}${e.location ? ` at ${e.location}` : ''} (id ${e.id})`;

export const reminderLine = (r: Reminder) =>
  `${r.remind_at}: ${r.title} (${r.kind} ${r.id}, ${r.kind === 'todo' ? 'due' : 'starts'} ${r.due})${r.delivery ? ` [webhook: ${r.delivery.status}${r.delivery.last_error ? `, ${r.delivery.last_error}` : ''}]` : ''}`;

export const documentLine = (d: Document) => `${d.title} (id ${d.id}, ${d.source === 'external' ? d.external_url : `${d.mime_type}, ${d.size_bytes} bytes`})`;

export function listText<T>(noun: string, page: { items: readonly T[]; next_cursor: string | null }, line: (item: T) => string): string {
  if (page.items.length === 0) return `No ${noun} match.`;
  const lines = page.items.map((i) => `- ${line(i)}`);
  const more = page.next_cursor ? `\nMore: call again with cursor "${page.next_cursor}".` : '';
  return `${page.items.length} ${noun}:\n${lines.join('\n')}${more}`;
}
