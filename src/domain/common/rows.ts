import type { DomainContext } from '../context.js';
import { newId } from './ids.js';
import { toStored } from './time.js';

/** The columns every new item starts with: its tenant, a fresh id, its timestamps, not in the trash. */
export function newItemColumns(ctx: DomainContext) {
  const now = toStored(ctx.now);
  return { tenant_id: ctx.tenantId, id: newId(), created_at: now, updated_at: now, deleted_at: null };
}
