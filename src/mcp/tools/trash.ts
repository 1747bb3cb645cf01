import { DeleteItemInput, ItemRefInput, TRASH_DAYS, TrashResult } from '../../domain/trash/schema.js';
import { deleteItem, restoreItem } from '../../domain/trash/service.js';
import { defineTool } from '../tool.js';

export const deleteItemTool = defineTool({
  name: 'delete_item',
  title: 'Delete item',
  description: `Move an item (a project with its tasks) to the trash: restore_item brings it back for ${TRASH_DAYS} days, then it is gone.`,
  input: DeleteItemInput,
  output: TrashResult,
  access: 'write',
  destructive: true,
  run: (ctx, input) => deleteItem(ctx, input),
  summarize: (r) =>
    r.removed_occurrences
      ? `Removed ${r.removed_occurrences === 'this' ? 'the occurrence' : 'the occurrences from'} ${r.occurrence_start} of "${r.title}" (id ${r.id}).`
      : `Moved ${r.kind} "${r.title}" (id ${r.id}) to the trash; restorable until ${r.purge_after}.`,
});

export const restoreItemTool = defineTool({
  name: 'restore_item',
  title: 'Restore item',
  description: 'Take an item out of the trash, as it was.',
  input: ItemRefInput,
  output: TrashResult,
  access: 'write',
  run: (ctx, input) => restoreItem(ctx, input),
  summarize: (r) => `Restored ${r.kind} "${r.title}" (id ${r.id}).`,
});
