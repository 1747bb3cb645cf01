import type { DomainContext } from '../context.js';
import type { Lock } from '../../storage/repositories/items.js';
import type { TaskRow } from '../../storage/repositories/projects.js';
import { NotFoundError, UserError } from '../../errors.js';
import { formatInstant, toStored } from '../common/time.js';
import { WHOLE_TENANT } from '../../storage/repositories/due-work.js';
import { ITEM_KINDS, type ItemKind } from '../../storage/schema.js';
import { indexItem, type ItemRow } from '../search/entries.js';
import { TRASH_DAYS, type DeleteItemInput, type ItemRefInput, type TrashResult } from './schema.js';
import { occurrenceStartOf, removeOccurrences } from '../calendar/service.js';
import type { EventRow } from '../../storage/repositories/events.js';
import { trashSubtree, trashedSubtree } from '../common/subtasks.js';

const DAY_MS = 24 * 60 * 60 * 1000;

type AnyRow = { id: string; deleted_at: string | null } & ({ title: string } | { name: string });

/** When an item put in the trash at `deletedAt` (stored) is purged. */
const purgeMoment = (deletedAt: string) => new Date(Date.parse(deletedAt) + TRASH_DAYS * DAY_MS).toISOString();

const titleOf = (row: AnyRow) => ('title' in row ? row.title : row.name);

function findAny(ctx: DomainContext, kind: ItemKind, id: string, lock?: Lock): Promise<AnyRow | undefined> {
  return ctx.items(kind).findAny(id, lock) as Promise<AnyRow | undefined>;
}

const withProject = (kind: ItemKind, row: AnyRow) => kind === 'task' && (row as unknown as TaskRow).trashed_with_project === 1;
const hasParent = (kind: ItemKind): kind is 'todo' | 'task' => kind === 'todo' || kind === 'task';
type Parented = { parent_id: string | null; trashed_with_parent: number };

async function result(ctx: DomainContext, kind: ItemKind, row: AnyRow, deletedAt: string | null): Promise<TrashResult> {
  const zone = await ctx.zone();
  return {
    kind,
    id: row.id,
    title: titleOf(row),
    in_trash: deletedAt !== null,
    deleted_at: deletedAt === null ? null : formatInstant(deletedAt, zone),
    purge_after: deletedAt === null ? null : formatInstant(purgeMoment(deletedAt), zone),
  };
}

/**
 * Moves an item to the trash. A project's live tasks go with it, marked so that restoring the
 * project brings back those and only those.
 */
export async function deleteItem(ctx: DomainContext, input: ItemRefInput & Partial<DeleteItemInput>): Promise<TrashResult> {
  const row = await findAny(ctx, input.kind, input.id, { lock: true });
  if (!row) throw new NotFoundError(input.kind, input.id, 'id', 'Check the kind and the id.');
  if (row.deleted_at !== null) {
    throw new UserError(`id: the ${input.kind} ${input.id} is already in the trash; restore_item brings it back.`);
  }
  if (input.scope !== undefined && input.scope !== 'all') {
    if (input.kind !== 'event') throw new UserError(`scope: ${input.scope} applies to recurring events; a ${input.kind} is deleted whole (scope all).`);
    const event = row as unknown as EventRow;
    // From the first occurrence on is the whole series: that is the trash's (restorable as it was).
    if (input.scope === 'this' || event.recurrence === null || occurrenceStartOf(event, input.occurrence_start) > event.start_at) {
      await removeOccurrences(ctx, event, input.scope, input.occurrence_start);
      return { ...(await result(ctx, input.kind, row, null)), removed_occurrences: input.scope, occurrence_start: input.occurrence_start! };
    }
  }
  const now = toStored(ctx.now);
  await ctx.items(input.kind).update(row.id, { deleted_at: now });
  await ctx.search.remove(input.kind, row.id);
  if (input.kind === 'project') {
    for (const task of await ctx.tasks.trashWithProject(row.id, now)) await ctx.search.remove('task', task);
  }
  // Its subtasks go with it, and come back with it.
  if (hasParent(input.kind)) for (const child of await trashSubtree(ctx, input.kind, row.id, now)) await ctx.search.remove(input.kind, child);
  await ctx.dueWork.schedule('trash.purge', WHOLE_TENANT, purgeMoment(now));
  return result(ctx, input.kind, row, now);
}

/** Takes an item out of the trash, as it was. */
export async function restoreItem(ctx: DomainContext, input: ItemRefInput): Promise<TrashResult> {
  const row = await findAny(ctx, input.kind, input.id, { lock: true });
  if (!row) throw new NotFoundError(input.kind, input.id, 'id', 'It may have been in the trash for more than 30 days, which empties it.');
  if (row.deleted_at === null) throw new UserError(`id: the ${input.kind} ${input.id} is not in the trash.`);
  if (input.kind === 'task') {
    const projectId = (row as unknown as TaskRow).project_id;
    if (withProject(input.kind, row)) throw new UserError(`id: this task is in the trash with its project; restore the project ${projectId}.`);
    const project = await findAny(ctx, 'project', projectId);
    if (project?.deleted_at !== null) throw new UserError(`id: the task's project ${projectId} is in the trash; restore the project first.`);
  }
  if (hasParent(input.kind)) {
    const { parent_id: parentId, trashed_with_parent: withParent } = row as unknown as Parented;
    if (withParent === 1) throw new UserError(`id: this ${input.kind} is in the trash with its parent; restore the ${input.kind} ${parentId}.`);
    const parent = parentId === null ? undefined : await findAny(ctx, input.kind, parentId);
    if (parent && parent.deleted_at !== null) throw new UserError(`id: its parent ${input.kind} ${parentId} is in the trash; restore the parent first.`);
  }
  await ctx.items(input.kind).update(row.id, { deleted_at: null });
  const live = { ...row, deleted_at: null };
  if (hasParent(input.kind)) {
    for (const child of await trashedSubtree(ctx, input.kind, row.id)) {
      await (input.kind === 'todo' ? ctx.todos : ctx.tasks).update(child.id, { deleted_at: null, trashed_with_parent: 0 });
      await indexItem(ctx, { kind: input.kind, row: { ...child, deleted_at: null, trashed_with_parent: 0 } } as unknown as ItemRow);
    }
  }
  await indexItem(ctx, { kind: input.kind, row: live } as unknown as ItemRow);
  if (input.kind === 'project') {
    for (const task of await ctx.tasks.trashedWithProject(row.id)) {
      await ctx.tasks.update(task.id, { deleted_at: null, trashed_with_project: 0 });
      await indexItem(ctx, { kind: 'task', row: { ...task, deleted_at: null, trashed_with_project: 0 } });
    }
  }
  return result(ctx, input.kind, live, null);
}

/**
 * Empties what has been in the trash for TRASH_DAYS days: rows, tags and document files (the files
 * once the deletion has committed). Returns how many items went.
 */
async function purgeTrash(ctx: DomainContext): Promise<number> {
  const cutoff = toStored(ctx.now.subtract({ milliseconds: TRASH_DAYS * DAY_MS }));
  let purged = 0;
  const projects = await ctx.projects.trashedBefore(cutoff);
  if (projects.length > 0) {
    const tasks = await ctx.tasks.idsOfProjects(projects);
    for (const task of tasks) await ctx.search.remove('task', task);
    await ctx.tags.drop('task', tasks);
    await ctx.attachments.dropItems('task', tasks);
    await ctx.todos.detachFrom(projects);
    // Their tasks go by ON DELETE CASCADE.
    await ctx.projects.deleteMany(projects);
    await ctx.tags.drop('project', projects);
    await ctx.attachments.dropItems('project', projects);
    purged += projects.length;
  }
  for (const kind of ['task', 'todo', 'event', 'document'] as const) {
    const items = ctx.items(kind);
    const ids = await items.trashedBefore(cutoff);
    if (ids.length === 0) continue;
    await items.deleteMany(ids);
    await ctx.tags.drop(kind, ids);
    // A document's links go with it (its key); an item's are dropped here.
    if (kind !== 'document') await ctx.attachments.dropItems(kind, ids);
    if (kind === 'document') await ctx.blobs.remove(ids);
    purged += ids.length;
  }
  return purged;
}

/**
 * The due work of kind trash.purge: empties what has expired and schedules the next run for when
 * the oldest item left in the trash expires (none left: no run until something is deleted).
 */
export async function emptyTrash(ctx: DomainContext): Promise<number> {
  const purged = await purgeTrash(ctx);
  const oldest = await Promise.all(ITEM_KINDS.map((kind) => ctx.items(kind).oldestTrashed()));
  const next = oldest.filter((at): at is string => at !== undefined).sort()[0];
  if (next !== undefined) await ctx.dueWork.schedule('trash.purge', WHOLE_TENANT, purgeMoment(next));
  return purged;
}
