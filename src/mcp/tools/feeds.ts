import { CalendarFeed, GetCalendarFeedInput, getCalendarFeed } from '../../domain/feeds/service.js';
import { defineTool } from '../tool.js';

export const getCalendarFeedTool = defineTool({
  name: 'get_calendar_feed',
  title: 'Get calendar feed',
  description:
    'The secret address of your calendar feed (made on first use), to subscribe to in any calendar app. A lasting credential: `mcp-pa feed revoke` withdraws it. HTTP mode only.',
  input: GetCalendarFeedInput,
  output: CalendarFeed,
  access: 'write',
  run: (ctx) => getCalendarFeed(ctx),
  summarize: (f) => `${f.created ? 'Made your calendar feed' : 'Your calendar feed'}: ${f.url} (keep it secret: anyone with it can read your calendar).`,
});
