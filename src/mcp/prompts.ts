import { z } from 'zod';
import { completable, type GetPromptResult, type McpServer } from '@modelcontextprotocol/server';
import { shortText } from '../domain/common/fields.js';
import type { DomainContext } from '../domain/context.js';
import { weeklyReview } from '../domain/dashboard/review.js';
import { DashboardInput } from '../domain/dashboard/schema.js';
import { getDashboard } from '../domain/dashboard/service.js';
import { GetProjectInput } from '../domain/projects/schema.js';
import { getProject } from '../domain/projects/service.js';
import { idCompleter } from './completions.js';
import type { TenantWork } from './errors.js';

const ask = (text: string, data: unknown): GetPromptResult => ({
  messages: [
    { role: 'user', content: { type: 'text', text } },
    { role: 'user', content: { type: 'text', text: `My data (JSON):\n${JSON.stringify(data, null, 2)}` } },
  ],
});

export function registerPrompts(server: McpServer, work: TenantWork) {
  const load = <T>(name: string, fn: (ctx: DomainContext) => Promise<T>): Promise<T> => work.read(name, fn);

  server.registerPrompt(
    'daily_briefing',
    {
      title: 'Daily briefing',
      description: 'A short briefing for today: agenda, what is due or overdue, and what to focus on.',
      argsSchema: z.object({ focus: shortText('Anything to pay special attention to today.', 500).optional() }),
    },
    async ({ focus }) => {
      const dashboard = await load('daily_briefing', (ctx) => getDashboard(ctx, DashboardInput.parse({ limit_per_section: 10 })));
      return ask(
        `Give me my daily briefing for ${dashboard.today.date} (${dashboard.timezone}). In a few short sections: today's schedule in time order (flag overlaps), what is due today, what is overdue, and the three things I should focus on, with a reason each.${focus ? ` Pay special attention to: ${focus}.` : ''} Offer to reschedule or complete items with the tools, but change nothing without asking.`,
        dashboard,
      );
    },
  );

  server.registerPrompt(
    'weekly_review',
    {
      title: 'Weekly review',
      description: 'Look back at the last 7 days and plan the next 7.',
    },
    async () => {
      const review = await load('weekly_review', weeklyReview);
      return ask(
        'Run my weekly review. 1) What I got done in the last 7 days. 2) What slipped: overdue todos and tasks, with a suggestion for each (do, reschedule, delegate or drop). 3) Active projects: progress and the next step of each. 4) The week ahead: events and deadlines, and where it looks too full. End with the three priorities for next week. Ask before changing anything.',
        review,
      );
    },
  );

  server.registerPrompt(
    'plan_project',
    {
      title: 'Plan a project',
      description: 'Break a project into concrete tasks with due dates, from its current state.',
      argsSchema: z.object({
        project_id: completable(z.string().describe('The project to plan.'), idCompleter(work, 'project', 'project_id')),
        goal: shortText('What the project should achieve, if not in its description.', 2000).optional(),
      }),
    },
    async ({ project_id, goal }) => {
      const project = await load('plan_project', (ctx) => getProject(ctx, GetProjectInput.parse({ project_id })));
      return ask(
        `Help me plan the project "${project.name}".${goal ? ` Its goal: ${goal}.` : ''} Look at its description, dates and existing tasks, then propose the missing tasks in order, each with a title, a one-line description, a priority and a due date between today and the project's end date${project.end_date ? ` (${project.end_date})` : ''}. Point out risks and dependencies. When I agree, create them with add_project_task (project_id ${project.id}) and adjust existing ones with update_project_task.`,
        project,
      );
    },
  );
}
