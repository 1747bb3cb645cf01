import { ListRemindersInput, ReminderPage } from '../../domain/reminders/schema.js';
import { listReminders } from '../../domain/reminders/service.js';
import { listText, reminderLine } from '../text.js';
import { defineTool } from '../tool.js';

export const listRemindersTool = defineTool({
  name: 'list_reminders',
  title: 'List reminders',
  description:
    'Reminders due in a range (default: from now to 24 hours on), earliest first: todos’ reminder_date, and events’ reminder_minutes before each occurrence. Shows the last attempt to push each to your webhook, if one is set.',
  input: ListRemindersInput,
  output: ReminderPage,
  access: 'read',
  run: (ctx, input) => listReminders(ctx, input),
  summarize: (page) => listText('reminders', page, reminderLine),
});
