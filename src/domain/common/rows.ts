import type { TagsById } from '../../storage/repositories/tags.js';
import type { ItemKind } from '../../storage/schema.js';
import type { DomainContext } from '../context.js';
import { newId } from './ids.js';
import { toStored } from './time.js';

/** The columns every new item starts with: a fresh id, its timestamps, not in the trash (its repository adds the tenant). */
export function newItemColumns(ctx: DomainContext) {
  const now = toStored(ctx.now);
  return { id: newId(), created_at: now, updated_at: now, deleted_at: null };
}

/**
 * What showing rows of one kind needs besides the rows: their tags (in one query, unless the
 * caller already has them) and the user's time zone.
 */
export function tagsAndZone(ctx: DomainContext, kind: ItemKind, rows: readonly { id: string }[], known?: TagsById): Promise<[TagsById, string]> {
  return Promise.all([
    known ??
      ctx.tags.of(
        kind,
        rows.map((r) => r.id),
      ),
    ctx.zone(),
  ]);
}
