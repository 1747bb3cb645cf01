import { fetched, type Fetch } from '../../storage/repositories/fetches.js';
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

/** The tags of rows being shown, unless the caller already has them (to fetch with what else showing them needs). */
export function tagsOf(ctx: DomainContext, kind: ItemKind, ids: readonly string[], known?: TagsById): Fetch<TagsById> {
  return known ? fetched(known) : ctx.tags.fetchOf(kind, ids);
}
