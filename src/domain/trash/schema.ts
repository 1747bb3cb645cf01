import { z } from 'zod';
import { ITEM_KINDS } from '../../storage/schema.js';
import { id } from '../common/fields.js';
import { scopeFields } from '../calendar/schema.js';

export const TRASH_DAYS = 30;

export const ItemRefInput = z.strictObject({
  kind: z.enum(ITEM_KINDS).describe(`What the id refers to: ${ITEM_KINDS.join(', ')}.`),
  id: id('id'),
});
export type ItemRefInput = z.output<typeof ItemRefInput>;

export const DeleteItemInput = ItemRefInput.extend({
  scope: scopeFields.scope.default('all'),
  occurrence_start: scopeFields.occurrence_start.optional(),
});
export type DeleteItemInput = z.output<typeof DeleteItemInput>;

export const TrashResult = z.object({
  kind: z.enum(ITEM_KINDS),
  id: z.string(),
  title: z.string(),
  in_trash: z.boolean(),
  deleted_at: z.string().nullable(),
  purge_after: z.string().nullable().describe(`When it is removed for good (${TRASH_DAYS} days in the trash).`),
  removed_occurrences: z.enum(['this', 'following']).optional(),
  occurrence_start: z.string().optional(),
});
export type TrashResult = z.infer<typeof TrashResult>;
