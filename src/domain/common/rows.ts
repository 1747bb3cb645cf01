import type { DomainContext } from '../context.js';
import { newId } from './ids.js';
import { toStored } from './time.js';

/** The columns every new item starts with: a fresh id, its timestamps, not in the trash (its repository adds the tenant). */
export function newItemColumns(ctx: DomainContext) {
  const now = toStored(ctx.now);
  return { id: newId(), created_at: now, updated_at: now, deleted_at: null };
}
