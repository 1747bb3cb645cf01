import { ListRemindersInput, ReminderPage } from '../../domain/reminders/schema.js';
import { listReminders } from '../../domain/reminders/service.js';
import { ReminderWebhook, SetReminderWebhookInput, setReminderWebhook } from '../../domain/reminders/webhook.js';
import { listText, reminderLine } from '../text.js';
import { defineTool } from '../tool.js';

export const listRemindersTool = defineTool({
  name: 'list_reminders',
  title: 'List reminders',
  description: 'Reminders due in a range (default: the next 24 hours), earliest first, with the last push of each to your webhook.',
  input: ListRemindersInput,
  output: ReminderPage,
  access: 'read',
  run: (ctx, input) => listReminders(ctx, input),
  summarize: (page) => listText('reminders', page, reminderLine),
});

export const setReminderWebhookTool = defineTool({
  name: 'set_reminder_webhook',
  title: 'Set reminder webhook',
  description:
    'Have due reminders POSTed to url: JSON signed with HMAC-SHA256 (its secret is shown once, now) or an ntfy message (give the topic URL). url null removes the webhook.',
  input: SetReminderWebhookInput,
  output: ReminderWebhook,
  access: 'write',
  run: (ctx, input) => setReminderWebhook(ctx, input),
  summarize: (w) =>
    w.url === null
      ? 'Removed the reminder webhook.'
      : `Reminders due from ${w.since} on will be POSTed to ${w.url} (${w.format}).${w.secret ? ` Signing secret (shown only now): ${w.secret}` : ''}`,
});
