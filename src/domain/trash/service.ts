import type { Kysely } from 'kysely';
import type { DomainContext } from '../context.js';
import { findAnyItem, updateItem, type Lock } from '../common/items.js';
import { NotFoundError, UserError } from '../common/errors.js';
import { formatInstant, toStored } from '../common/time.js';
import { TABLE_OF_KIND, type Database, type ItemKind } from '../../storage/schema.js';
import { indexItem, type ItemRow } from '../search/entries.js';
import { TRASH_DAYS, type ItemRefInput, type TrashResult } from './schema.js';
import type { TaskRow } from '../projects/repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

type AnyRow = { id: string; deleted_at: string | null } & ({ title: string } | { name: string });

const titleOf = (row: AnyRow) => ('title' in row ? row.title : row.name);

function findAny(db: Kysely<Database>, tenantId: string, kind: ItemKind, id: string, lock?: Lock): Promise<AnyRow | undefined> {
  return findAnyItem(db, TABLE_OF_KIND[kind], tenantId, id, lock) as Promise<AnyRow | undefined>;
}

/** Tasks that went to the trash because their project did, and come back with it. */
function tasksTrashedWith(ctx: DomainContext, projectId: string) {
  return ctx.db
    .selectFrom('tasks')
    .selectAll()
    .where('tenant_id', '=', ctx.tenantId)
    .where('project_id', '=', projectId)
    .where('trashed_with_project', '=', 1)
    .execute();
}

const withProject = (kind: ItemKind, row: AnyRow) => kind === 'task' && (row as unknown as TaskRow).trashed_with_project === 1;

async function result(ctx: DomainContext, kind: ItemKind, row: AnyRow, deletedAt: string | null): Promise<TrashResult> {
  const zone = await ctx.zone();
  return {
    kind,
    id: row.id,
    title: titleOf(row),
    in_trash: deletedAt !== null,
    deleted_at: deletedAt === null ? null : formatInstant(deletedAt, zone),
    purge_after: deletedAt === null ? null : formatInstant(new Date(Date.parse(deletedAt) + TRASH_DAYS * DAY_MS).toISOString(), zone),
  };
}

/**
 * Moves an item to the trash. A project's live tasks go with it, marked so that restoring the
 * project brings back those and only those.
 */
export async function deleteItem(ctx: DomainContext, input: ItemRefInput): Promise<TrashResult> {
  const row = await findAny(ctx.db, ctx.tenantId, input.kind, input.id, { lock: true });
  if (!row) throw new NotFoundError(input.kind, input.id, 'id', 'Check the kind and the id.');
  if (row.deleted_at !== null) {
    throw new UserError(`id: the ${input.kind} ${input.id} is already in the trash; restore_item brings it back.`);
  }
  const now = toStored(ctx.now);
  await ctx.db.updateTable(TABLE_OF_KIND[input.kind]).set({ deleted_at: now }).where('tenant_id', '=', ctx.tenantId).where('id', '=', row.id).execute();
  await ctx.search.remove(ctx.db, ctx.tenantId, input.kind, row.id);
  if (input.kind === 'project') {
    const tasks = await ctx.db
      .updateTable('tasks')
      .set({ deleted_at: now, trashed_with_project: 1 })
      .where('tenant_id', '=', ctx.tenantId)
      .where('project_id', '=', row.id)
      .where('deleted_at', 'is', null)
      .returning('id')
      .execute();
    for (const task of tasks) await ctx.search.remove(ctx.db, ctx.tenantId, 'task', task.id);
  }
  return result(ctx, input.kind, row, now);
}

/** Takes an item out of the trash, as it was. */
export async function restoreItem(ctx: DomainContext, input: ItemRefInput): Promise<TrashResult> {
  const row = await findAny(ctx.db, ctx.tenantId, input.kind, input.id, { lock: true });
  if (!row) throw new NotFoundError(input.kind, input.id, 'id', 'It may have been in the trash for more than 30 days, which empties it.');
  if (row.deleted_at === null) throw new UserError(`id: the ${input.kind} ${input.id} is not in the trash.`);
  if (input.kind === 'task') {
    const projectId = (row as unknown as TaskRow).project_id;
    if (withProject(input.kind, row)) throw new UserError(`id: this task is in the trash with its project; restore the project ${projectId}.`);
    const project = await findAny(ctx.db, ctx.tenantId, 'project', projectId);
    if (project?.deleted_at !== null) throw new UserError(`id: the task's project ${projectId} is in the trash; restore the project first.`);
  }
  await ctx.db.updateTable(TABLE_OF_KIND[input.kind]).set({ deleted_at: null }).where('tenant_id', '=', ctx.tenantId).where('id', '=', row.id).execute();
  const live = { ...row, deleted_at: null };
  await indexItem(ctx, { kind: input.kind, row: live } as unknown as ItemRow);
  if (input.kind === 'project') {
    for (const task of await tasksTrashedWith(ctx, row.id)) {
      await updateItem(ctx.db, 'tasks', ctx.tenantId, task.id, { deleted_at: null, trashed_with_project: 0 });
      await indexItem(ctx, { kind: 'task', row: { ...task, deleted_at: null, trashed_with_project: 0 } });
    }
  }
  return result(ctx, input.kind, live, null);
}

/**
 * Empties what has been in the trash for TRASH_DAYS days: rows, tags and document files (the files
 * once the deletion has committed). Returns how many items went.
 */
export async function purgeTrash(ctx: DomainContext): Promise<number> {
  const cutoff = toStored(ctx.now.subtract({ milliseconds: TRASH_DAYS * DAY_MS }));
  const { db, tenantId } = ctx;
  const expired = (table: 'projects' | 'tasks' | 'todos' | 'events' | 'documents') =>
    db.selectFrom(table).select('id').where('tenant_id', '=', tenantId).where('deleted_at', '<', cutoff).execute();
  let purged = 0;
  const dropTags = async (kind: ItemKind, ids: string[]) => {
    if (ids.length === 0) return;
    await db.deleteFrom('item_tags').where('tenant_id', '=', tenantId).where('item_kind', '=', kind).where('item_id', 'in', ids).execute();
  };
  const projects = (await expired('projects')).map((r) => r.id);
  if (projects.length > 0) {
    const tasks = await db.selectFrom('tasks').select('id').where('tenant_id', '=', tenantId).where('project_id', 'in', projects).execute();
    for (const t of tasks) await ctx.search.remove(db, tenantId, 'task', t.id);
    await dropTags('task', tasks.map((t) => t.id));
    await db.updateTable('todos').set({ project_id: null }).where('tenant_id', '=', tenantId).where('project_id', 'in', projects).execute();
    // Their tasks go by ON DELETE CASCADE.
    await db.deleteFrom('projects').where('tenant_id', '=', tenantId).where('id', 'in', projects).execute();
    await dropTags('project', projects);
    purged += projects.length;
  }
  for (const [kind, table] of [['task', 'tasks'], ['todo', 'todos'], ['event', 'events'], ['document', 'documents']] as const) {
    const ids = (await expired(table)).map((r) => r.id);
    if (ids.length === 0) continue;
    await db.deleteFrom(table).where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
    await dropTags(kind, ids);
    if (kind === 'document') await ctx.blobs.remove(ctx, ids);
    purged += ids.length;
  }
  return purged;
}
