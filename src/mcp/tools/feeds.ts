import { CalendarFeed, GetCalendarFeedInput, getCalendarFeed } from '../../domain/feeds/service.js';
import { defineTool } from '../tool.js';

export const getCalendarFeedTool = defineTool({
  name: 'get_calendar_feed',
  title: 'Get calendar feed',
  description:
    'The secret address of your calendar feed (made on first use): subscribe to it in Google Calendar, Apple Calendar or Outlook to see your events and dated todos there (they refresh every few hours; some apps drop the alarms: reminders arrive through list_reminders or your webhook). Needs write access because the address is a lasting credential; `mcp-pa feed revoke` withdraws it. HTTP mode only.',
  input: GetCalendarFeedInput,
  output: CalendarFeed,
  access: 'write',
  run: (ctx) => getCalendarFeed(ctx),
  summarize: (f) => `${f.created ? 'Made your calendar feed' : 'Your calendar feed'}: ${f.url} (keep it secret: anyone with it can read your calendar).`,
});
