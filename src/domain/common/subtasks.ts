import { z } from 'zod';
import { InvalidInputError, NotFoundError, UserError } from '../../errors.js';
import type { TaskRow } from '../../storage/repositories/projects.js';
import type { TodoRow } from '../../storage/repositories/todos.js';
import type { Fetch } from '../../storage/repositories/fetches.js';
import type { DomainContext } from '../context.js';
import { id } from './fields.js';

/** How deep a tree of todos or tasks may be: a root is level 1. */
export const MAX_DEPTH = 4;

type Kind = 'todo' | 'task';
type RowOf<K extends Kind> = K extends 'todo' ? TodoRow : TaskRow;

const repository = <K extends Kind>(ctx: DomainContext, kind: K) => (kind === 'todo' ? ctx.todos : ctx.tasks) as unknown as ParentedRepo<RowOf<K>>;
interface ParentedRepo<R> {
  findLive(id: string): Promise<R | undefined>;
  liveChildren(ids: readonly string[]): Promise<R[]>;
  trashedWithParent(ids: readonly string[]): Promise<R[]>;
  trashWithParent(ids: readonly string[], deletedAt: string): Promise<void>;
  fetchOpenChildren(ids: readonly string[]): Fetch<Map<string, number>>;
}

export const subtaskInput = {
  parent_id: (kind: Kind) => id(`${kind}_id`).describe(`Parent ${kind} (${MAX_DEPTH} levels at most).`),
  complete_children: z.boolean().optional().describe('Also complete open subtasks.'),
};

/** The filters of a list by place in a tree. */
export const subtaskFilters = (kind: Kind) => ({
  parent_id: id(`${kind}_id`).optional().describe(`Direct subtasks of this ${kind}.`),
  include_subtasks: z.boolean().default(true).describe('false: top level only.'),
});

/** Every live descendant of these items, a level at a time (children first). */
export async function descendantsOf<K extends Kind>(ctx: DomainContext, kind: K, ids: readonly string[]): Promise<RowOf<K>[][]> {
  const levels: RowOf<K>[][] = [];
  let frontier = [...ids];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const children = await repository(ctx, kind).liveChildren(frontier);
    if (children.length) levels.push(children);
    frontier = children.map((c) => (c as { id: string }).id);
  }
  return levels;
}

/**
 * The parent an item may have: a live item of the same kind, not the item itself nor one of its
 * subtasks (a tree cannot loop), and no deeper than MAX_DEPTH with the item's own subtasks below.
 */
export async function checkParent<K extends Kind>(ctx: DomainContext, kind: K, parentId: string, self?: string): Promise<RowOf<K>> {
  const repo = repository(ctx, kind);
  const parent = await repo.findLive(parentId);
  if (!parent) throw new NotFoundError(kind, parentId, 'parent_id', `Use list_${kind}s to find ${kind} ids.`);
  let depth = 1;
  for (let up = parent as { id: string; parent_id: string | null }; ; depth++) {
    if (up.id === self) throw new InvalidInputError('parent_id', `is the ${kind} itself or one of its subtasks; a tree cannot loop`);
    if (up.parent_id === null || depth > MAX_DEPTH) break;
    const next = await repo.findLive(up.parent_id);
    if (!next) break;
    up = next as { id: string; parent_id: string | null };
  }
  const below = self ? (await descendantsOf(ctx, kind, [self])).length + 1 : 1;
  if (depth + below > MAX_DEPTH) {
    throw new InvalidInputError('parent_id', `would make the tree ${depth + below} levels deep; at most ${MAX_DEPTH} (a top-level ${kind} is level 1)`);
  }
  return parent;
}

/**
 * The open descendants of an item about to be completed, deepest first, for the caller to
 * complete; without complete_children, any open one refuses the completion, naming them.
 */
export async function openSubtasksToComplete<K extends Kind>(
  ctx: DomainContext,
  kind: K,
  itemId: string,
  isOpen: (row: RowOf<K>) => boolean,
  completeChildren: boolean | undefined,
): Promise<RowOf<K>[]> {
  const open = (await descendantsOf(ctx, kind, [itemId])).reverse().flatMap((level) => level.filter(isOpen));
  if (open.length && !completeChildren) {
    const named = open
      .slice(0, 5)
      .map((row) => `"${(row as { title: string }).title}" (${(row as { id: string }).id})`)
      .join(', ');
    throw new UserError(
      `${kind}_id: it has ${open.length} open subtask${open.length > 1 ? 's' : ''}: ${named}${open.length > 5 ? ` and ${open.length - 5} more` : ''}. Complete them first, or pass complete_children: true.`,
    );
  }
  return open;
}

/** Moves an item's live subtree to the trash with it (marked, so it comes back with it); their ids. */
export async function trashSubtree(ctx: DomainContext, kind: Kind, itemId: string, deletedAt: string): Promise<string[]> {
  const ids = (await descendantsOf(ctx, kind, [itemId])).flat().map((row) => (row as { id: string }).id);
  await repository(ctx, kind).trashWithParent(ids, deletedAt);
  return ids;
}

/** The subtree that went to the trash with an item, a level at a time: what restoring it brings back. */
export async function trashedSubtree<K extends Kind>(ctx: DomainContext, kind: K, itemId: string): Promise<RowOf<K>[]> {
  const found: RowOf<K>[] = [];
  let frontier = [itemId];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const children = await repository(ctx, kind).trashedWithParent(frontier);
    found.push(...children);
    frontier = children.map((c) => (c as { id: string }).id);
  }
  return found;
}

/** How many open subtasks each of these items has. */
export const openSubtaskCounts = (ctx: DomainContext, kind: Kind, ids: readonly string[]) => repository(ctx, kind).fetchOpenChildren(ids);
