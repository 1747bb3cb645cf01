import type { z } from 'zod';
import { UserError } from '../../errors.js';
import { MAX_DEPTH } from '../common/subtasks.js';
import { TenantExport } from './schema.js';

const NOTHING = 'Nothing was imported; fix the file and try again.';

const TABLES = ['projects', 'tasks', 'todos', 'events', 'documents'] as const;
const KIND_OF = { projects: 'project', tasks: 'task', todos: 'todo', events: 'event', documents: 'document' } as const;

/** "todos[3] (id 0193…)", as the file holds it: the row a person has to find and fix. */
function rowName(raw: unknown, table: string, index: number): string {
  const id = (raw as Record<string, Record<number, { id?: unknown }>> | null)?.[table]?.[index]?.id;
  const shown = typeof id === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(id) ? id : (JSON.stringify(id) ?? 'missing');
  return `${table}[${index}] (id ${shown})`;
}

/** Where an issue is, in words: the row, then the field within it. */
function locate(raw: unknown, issue: z.core.$ZodIssue): string {
  const [table = '', index, ...field] = issue.path.map(String);
  if (table === 'profile') return `profile: ${index === undefined ? '' : `${[index, ...field].join('.')}: `}${issue.message}`;
  if (index === undefined || !/^\d+$/.test(index)) return `${issue.path.join('.')}: ${issue.message}`;
  const row = table === 'embeddings' || table === 'attachments' ? `${table}[${index}]` : rowName(raw, table, Number(index));
  return `${row}: ${field.length ? `${field.join('.')}: ` : ''}${issue.message}`;
}

/** Every id once per table; every task, todo, embedding and attachment pointing at a row of the file. */
/** Subtasks in the file: each parent in the file, of the same kind, no loop, at most MAX_DEPTH levels. */
function checkTrees<R extends { id: string; parent_id: string | null }>(rows: readonly R[], table: string, sameTree: (row: R, parent: R) => true | string) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  rows.forEach((row, i) => {
    const fail = (why: string) => new UserError(`${table}[${i}] (id ${row.id}): parent_id: ${why}`);
    let depth = 1;
    for (let at = row; at.parent_id !== null; depth++) {
      const parent = byId.get(at.parent_id);
      if (!parent) throw fail(`no item of ${table} in the file has the id ${JSON.stringify(at.parent_id)}`);
      if (at === row && sameTree(row, parent) !== true) throw fail(sameTree(row, parent) as string);
      if (parent === row || depth >= MAX_DEPTH)
        throw fail(parent === row ? 'the subtasks loop back to this item' : `the tree is deeper than ${MAX_DEPTH} levels`);
      at = parent;
    }
  });
}

function checkReferences(data: TenantExport) {
  const ids = new Map<string, Map<string, number>>();
  for (const table of TABLES) {
    const seen = new Map<string, number>();
    data[table].forEach((row, i) => {
      const first = seen.get(row.id);
      if (first !== undefined) throw new UserError(`${table}[${i}] (id ${row.id}): id: is used by ${table}[${first}] too`);
      seen.set(row.id, i);
    });
    ids.set(KIND_OF[table], seen);
  }
  const projects = ids.get('project')!;
  data.tasks.forEach((task, i) => {
    if (!projects.has(task.project_id))
      throw new UserError(`tasks[${i}] (id ${task.id}): project_id: no project in the file has the id ${JSON.stringify(task.project_id)}`);
  });
  data.todos.forEach((todo, i) => {
    if (todo.project_id !== null && !projects.has(todo.project_id)) {
      throw new UserError(`todos[${i}] (id ${todo.id}): project_id: no project in the file has the id ${JSON.stringify(todo.project_id)}`);
    }
  });
  checkTrees(data.tasks, 'tasks', (task, parent) => task.project_id === parent.project_id || 'is a task of another project');
  checkTrees(data.todos, 'todos', () => true);
  data.embeddings.forEach((e, i) => {
    if (!ids.get(e.kind)!.has(e.id)) throw new UserError(`embeddings[${i}]: id: no ${e.kind} in the file has the id ${JSON.stringify(e.id)}`);
  });
  data.attachments.forEach((a, i) => {
    const where = `attachments[${i}]`;
    if (!ids.get('document')!.has(a.document_id))
      throw new UserError(`${where}: document_id: no document in the file has the id ${JSON.stringify(a.document_id)}`);
    if (!ids.get(a.item_kind)!.has(a.item_id)) throw new UserError(`${where}: item_id: no ${a.item_kind} in the file has the id ${JSON.stringify(a.item_id)}`);
  });
}

/**
 * An export file's content, checked as the tools check their input, before anything is written:
 * the first problem refuses the whole file, naming the row and the field.
 */
export function parseExport(raw: unknown, source: string): TenantExport {
  const parsed = TenantExport.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.path.length <= 1 && issue.path[0] !== 'profile') {
      throw new UserError(`import: ${source} is not an mcp-pa export: ${issue.path.join('.') || 'the file'}: ${issue.message}. ${NOTHING}`);
    }
    throw new UserError(`import: ${source}: ${locate(raw, issue)}. ${NOTHING}`);
  }
  try {
    checkReferences(parsed.data);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`import: ${source}: ${err.message}. ${NOTHING}`);
    throw err;
  }
  return parsed.data;
}
