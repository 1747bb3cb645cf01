import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../../errors.js';
import { CONTROL_PROBLEM, hasControlCharacters } from '../common/fields.js';

/**
 * Ids for autocompletion: those starting with what was typed, or whose name contains it
 * (case-insensitively), most recently changed first. `field` names the argument in errors.
 */
export async function suggestIds(ctx: DomainContext, kind: 'project' | 'document', typed: string, field: string, limit = 20): Promise<string[]> {
  // No stored id or name holds one, and PostgreSQL refuses a NUL outright.
  if (hasControlCharacters(typed)) throw new InvalidInputError(field, CONTROL_PROBLEM);
  return ctx.items(kind).suggest(typed, limit);
}
