import { ExportIcsInput, ExportIcsResult, ImportIcsInput, ImportIcsResult } from '../../domain/ical/schema.js';
import { exportIcs, importIcs } from '../../domain/ical/service.js';
import { defineTool } from '../tool.js';

export const importIcsTool = defineTool({
  name: 'import_ics',
  title: 'Import iCalendar',
  description:
    'Import an iCalendar (.ics) file from Google Calendar, Apple Calendar, Outlook or any calendar app: events (with repetition, skipped and moved occurrences, time zones, all-day dates, the first alarm as reminder_minutes) and todos. Importing the same file again updates what it imported before (by UID). One component that cannot be read refuses the whole file, naming it.',
  input: ImportIcsInput,
  output: ImportIcsResult,
  access: 'write',
  run: (ctx, input) => importIcs(ctx, input),
  summarize: (r) => `Imported ${r.items.length} items: ${r.created} new, ${r.updated} updated.`,
});

export const exportIcsTool = defineTool({
  name: 'export_ics',
  title: 'Export iCalendar',
  description:
    'Your events and todos as an iCalendar (.ics) file any calendar app imports: repeating events whole (RRULE, EXDATE, RDATE, changed occurrences), times in their zones with VTIMEZONE, reminders as alarms. Optionally only a range (events overlapping it, todos due in it) and some kinds.',
  input: ExportIcsInput,
  output: ExportIcsResult,
  access: 'read',
  run: (ctx, input) => exportIcs(ctx, input),
  summarize: (r) => `An iCalendar file with ${r.events} events and ${r.todos} todos (${r.ics_text.length} characters):\n${r.ics_text}`,
});
