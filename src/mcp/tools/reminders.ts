import { ListRemindersInput, ReminderPage } from '../../domain/reminders/schema.js';
import { listReminders } from '../../domain/reminders/service.js';
import { ReminderWebhook, SetReminderWebhookInput, setReminderWebhook } from '../../domain/reminders/webhook.js';
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

export const setReminderWebhookTool = defineTool({
  name: 'set_reminder_webhook',
  title: 'Set reminder webhook',
  description:
    'Have reminders pushed to you when they come due: each is POSTed to url, as JSON signed with HMAC-SHA256 (format json; the secret is shown once, now) or as an ntfy message (format ntfy: give your ntfy topic URL, e.g. https://ntfy.sh/my-secret-topic). Every attempt at a reminder carries the same X-MCP-PA-Delivery id, so a receiver can drop repeats; list_reminders shows the last attempt. url null removes the webhook.',
  input: SetReminderWebhookInput,
  output: ReminderWebhook,
  access: 'write',
  run: (ctx, input) => setReminderWebhook(ctx, input),
  summarize: (w) =>
    w.url === null
      ? 'Removed the reminder webhook.'
      : `Reminders due from ${w.since} on will be POSTed to ${w.url} (${w.format}).${w.secret ? ` Signing secret (shown only now): ${w.secret}` : ''}`,
});
