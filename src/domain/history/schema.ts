import { z } from 'zod';
import { ITEM_KINDS } from '../../storage/schema.js';
import { cursor, id, limit } from '../common/fields.js';

export const GetHistoryInput = z.strictObject({
  kind: z.enum(ITEM_KINDS).optional().describe('With id: one item’s changes. Neither: your latest changes.'),
  id: id('id').optional(),
  cursor: cursor(),
  limit: limit(100, 20),
});
export type GetHistoryInput = z.output<typeof GetHistoryInput>;

const Fields = z.record(z.string(), z.unknown());

export const Change = z.object({
  change_id: z.string(),
  batch_id: z.string().describe('The call that made it: undo_change with it reverts the whole call.'),
  at: z.string(),
  actor: z.string().describe('The client that made it.'),
  action: z.string().describe('create, update, complete, delete, restore or undo.'),
  kind: z.string(),
  id: z.string(),
  before: Fields.nullable(),
  after: Fields,
  undone_by: z.string().nullable().describe('The batch_id of the call that undid it.'),
});
export type Change = z.infer<typeof Change>;

export const HistoryPage = z.object({ items: z.array(Change), next_cursor: z.string().nullable() });

export const UndoInput = z.strictObject({
  change_id: id('change_id').optional().describe('From get_history.'),
  batch_id: id('batch_id').optional().describe('Every change of that call.'),
});
export type UndoInput = z.output<typeof UndoInput>;

export const UndoResult = z.object({
  undone: z.array(z.string()).describe('The change_ids undone.'),
  batch_id: z.string().describe('This undo’s own batch: undo it to redo.'),
  items: z.array(z.object({ kind: z.string(), id: z.string(), title: z.string() })),
});
export type UndoResult = z.infer<typeof UndoResult>;
