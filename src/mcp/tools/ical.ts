import { ExportIcsInput, ExportIcsResult, ImportIcsInput, ImportIcsResult } from '../../domain/ical/schema.js';
import { exportIcs, importIcs } from '../../domain/ical/service.js';
import { defineTool } from '../tool.js';

export const importIcsTool = defineTool({
  name: 'import_ics',
  title: 'Import iCalendar',
  description:
    'Import the events and todos of an iCalendar (.ics) file from any calendar app. Importing it again updates what it imported before (by UID); an unreadable component refuses the whole file.',
  input: ImportIcsInput,
  output: ImportIcsResult,
  access: 'write',
  run: (ctx, input) => importIcs(ctx, input),
  summarize: (r) => `Imported ${r.items.length} items: ${r.created} new, ${r.updated} updated.`,
});

export const exportIcsTool = defineTool({
  name: 'export_ics',
  title: 'Export iCalendar',
  description: 'Your events and todos as an iCalendar (.ics) file any calendar app imports, optionally only a range and some kinds.',
  input: ExportIcsInput,
  output: ExportIcsResult,
  access: 'read',
  run: (ctx, input) => exportIcs(ctx, input),
  summarize: (r) => `An iCalendar file with ${r.events} events and ${r.todos} todos (${r.ics_text.length} characters):\n${r.ics_text}`,
});
