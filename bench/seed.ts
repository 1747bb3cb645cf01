import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logging.js';
import { LOCAL_TENANT, openRuntime } from '../src/runtime.js';
import type { DomainContext } from '../src/domain/context.js';
import { createTodo, completeTodo } from '../src/domain/todos/service.js';
import { CreateTodoInput } from '../src/domain/todos/schema.js';
import { addTask, createProject } from '../src/domain/projects/service.js';
import { AddTaskInput, CreateProjectInput } from '../src/domain/projects/schema.js';
import { createEvent } from '../src/domain/calendar/service.js';
import { CreateEventInput } from '../src/domain/calendar/schema.js';
import { uploadDocument } from '../src/domain/documents/service.js';
import { UploadDocumentInput } from '../src/domain/documents/schema.js';

export interface Volume {
  todos: number;
  projects: number;
  tasks: number;
  events: number;
  documents: number;
}

export const FULL: Volume = { todos: 100_000, projects: 10_000, tasks: 50_000, events: 20_000, documents: 5_000 };
export const SMALL: Volume = { todos: 1_000, projects: 100, tasks: 500, events: 200, documents: 50 };

/**
 * A vocabulary of 20 everyday words followed by 3,000 made-up ones, drawn with Zipf's law (the
 * word of rank r with weight 1/r), as words are in real notes: a few very common, most rare.
 */
const COMMON = [
  'budget',
  'meeting',
  'garden',
  'invoice',
  'report',
  'travel',
  'dentist',
  'groceries',
  'review',
  'design',
  'launch',
  'tax',
  'school',
  'gym',
  'car',
  'insurance',
  'plan',
  'call',
  'email',
  'book',
];
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vel', 'dor', 'pi', 'nax', 'qui', 'bel', 'for', 'gan', 'hil', 'jo'];
export const VOCABULARY = [
  ...COMMON,
  ...Array.from({ length: 3000 }, (_, i) => SYLLABLES[i % 16]! + SYLLABLES[Math.floor(i / 16) % 16]! + SYLLABLES[Math.floor(i / 256) % 16]!),
];
const ZIPF = (() => {
  const cumulative: number[] = [];
  let sum = 0;
  for (let r = 1; r <= VOCABULARY.length; r++) cumulative.push((sum += 1 / r));
  return cumulative.map((c) => c / sum);
})();
const TAGS = ['work', 'home', 'family', 'health', 'finance', 'errand'];
const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;

/** A deterministic pseudo-random sequence, so every run seeds the same data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const DAY = 86_400_000;
const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

/**
 * Seeds a data directory through the domain services (the real write path, search index
 * included), in batches of one transaction each. Dates spread a year back and a year ahead.
 */
export async function seed(home: string, volume: Volume, progress: (msg: string) => void): Promise<void> {
  const runtime = await openRuntime(loadConfig({}, { HOME: home, MCP_PA_LOG_LEVEL: 'silent' }), createLogger('silent'));
  await runtime.ensureTenant(LOCAL_TENANT);
  const random = rng(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const word = () => {
    const u = random();
    let lo = 0;
    let hi = ZIPF.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ZIPF[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return VOCABULARY[lo]!;
  };
  const words = (n: number) => Array.from({ length: n }, word).join(' ');
  const batch = async (label: string, total: number, make: (ctx: DomainContext, i: number) => Promise<unknown>) => {
    const size = 1000;
    for (let start = 0; start < total; start += size) {
      await runtime.run('write', LOCAL_TENANT, async (ctx) => {
        for (let i = start; i < Math.min(total, start + size); i++) await make(ctx, i);
      });
      if ((start / size) % 10 === 0) progress(`${label}: ${Math.min(total, start + size)}/${total}`);
    }
  };
  try {
    const projectIds: string[] = [];
    await batch('projects', volume.projects, async (ctx, i) => {
      const p = await createProject(
        ctx,
        CreateProjectInput.parse({
          name: `${words(2)} ${i}`,
          description: words(8),
          status: pick(['not_started', 'in_progress', 'in_progress', 'on_hold', 'completed', 'cancelled']),
          priority: pick(PRIORITIES),
          tags: [pick(TAGS)],
        }),
      );
      projectIds.push(p.id);
    });
    await batch('tasks', volume.tasks, (ctx, i) =>
      addTask(
        ctx,
        AddTaskInput.parse({
          project_id: projectIds[i % projectIds.length],
          title: `${words(3)} ${i}`,
          status: pick(['todo', 'in_progress', 'done', 'done', 'blocked']),
          priority: pick(PRIORITIES),
          ...(random() < 0.6 ? { due_date: isoDay(Math.floor(random() * 730) - 365) } : {}),
        }),
      ),
    );
    await batch('todos', volume.todos, async (ctx, i) => {
      const todo = await createTodo(
        ctx,
        CreateTodoInput.parse({
          title: `${words(3)} ${i}`,
          description: random() < 0.3 ? words(12) : undefined,
          priority: pick(PRIORITIES),
          tags: random() < 0.5 ? [pick(TAGS)] : [],
          ...(random() < 0.8 ? { due_date: isoDay(Math.floor(random() * 730) - 365) } : {}),
          ...(random() < 0.1 ? { project_id: pick(projectIds) } : {}),
        }),
      );
      // Most of a long-kept list is done.
      if (random() < 0.7) await completeTodo(ctx, todo.id);
    });
    await batch('events', volume.events, (ctx, i) => {
      const start = Date.now() + (Math.floor(random() * 730) - 365) * DAY + Math.floor(random() * 10) * 3_600_000;
      const long = random() < 0.01;
      return createEvent(
        ctx,
        CreateEventInput.parse({
          title: `${words(2)} ${i}`,
          location: random() < 0.5 ? words(1) : undefined,
          attendees: random() < 0.3 ? ['ana@example.com', 'bo@example.com'] : [],
          start_time: new Date(start).toISOString(),
          end_time: new Date(start + (long ? 10 * DAY : 3_600_000)).toISOString(),
        }),
      );
    });
    await batch('documents', volume.documents, (ctx, i) =>
      uploadDocument(
        ctx,
        UploadDocumentInput.parse({
          title: `${words(2)} ${i}`,
          filename: `note-${i}.md`,
          content_base64: Buffer.from(`# ${words(3)}\n\n${words(60)}\n`).toString('base64'),
          tags: [pick(TAGS)],
        }),
      ),
    );
  } finally {
    await runtime.close();
  }
}
