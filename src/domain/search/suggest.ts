import { sql } from 'kysely';
import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../common/errors.js';
import { CONTROL_PROBLEM, hasControlCharacters } from '../common/fields.js';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Ids for autocompletion: those starting with what was typed, or whose name contains it
 * (case-insensitively), most recently changed first. `field` names the argument in errors.
 */
export async function suggestIds(ctx: DomainContext, kind: 'project' | 'document', typed: string, field: string, limit = 20): Promise<string[]> {
  // No stored id or name holds one, and PostgreSQL refuses a NUL outright.
  if (hasControlCharacters(typed)) throw new InvalidInputError(field, CONTROL_PROBLEM);
  const table = kind === 'project' ? 'projects' : 'documents';
  const name = kind === 'project' ? 'name' : 'title';
  const text = escapeLike(typed.trim().toLowerCase());
  const rows = await ctx.db
    .selectFrom(table)
    .select('id')
    .where('tenant_id', '=', ctx.tenantId)
    .where('deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        sql<boolean>`id LIKE ${`${text}%`} ESCAPE '\\'`,
        sql<boolean>`lower(${sql.ref(name)}) LIKE ${`%${text}%`} ESCAPE '\\'`,
      ]),
    )
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
