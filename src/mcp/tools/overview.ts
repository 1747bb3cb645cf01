import { Dashboard, DashboardAtAGlance, DashboardInput } from '../../domain/dashboard/schema.js';
import { getDashboard } from '../../domain/dashboard/service.js';
import { eventLine, projectLine, reminderLine, todoLine } from '../text.js';
import { defineTool } from '../tool.js';

const section = <T>(title: string, s: { items: readonly T[]; total: number }, line: (t: T) => string) =>
  s.total === 0
    ? []
    : [`${title} (${s.total}):`, ...s.items.map((i) => `- ${line(i)}`), ...(s.total > s.items.length ? [`- ... and ${s.total - s.items.length} more`] : [])];

export const getDashboardTool = defineTool({
  name: 'get_dashboard',
  title: 'Get dashboard',
  description:
    'The day at a glance: today, reminders, overdue items, the next 7 days, active projects, recent documents, counts. Each section lists its top items and an exact total.',
  input: DashboardInput,
  output: Dashboard,
  shown: { output: DashboardAtAGlance },
  access: 'read',
  run: (ctx, input) => getDashboard(ctx, input),
  summarize: (d) =>
    [
      `Dashboard for ${d.today.date} (${d.timezone})${d.profile.name ? `, ${d.profile.name}` : ''}.`,
      ...section('Today', d.today.events, eventLine),
      ...section('Reminders (next 24 hours)', d.reminders, reminderLine),
      ...section('Due today', d.today.todos_due, todoLine),
      ...section('Overdue', d.overdue_todos, todoLine),
      ...section('Next 7 days', d.upcoming_todos, todoLine),
      ...section('Upcoming events', d.upcoming_events, eventLine),
      ...section('Active projects', d.active_projects, projectLine),
      `Open todos: ${d.counts.todos_open}; documents: ${d.counts.documents}.`,
    ].join('\n'),
});
