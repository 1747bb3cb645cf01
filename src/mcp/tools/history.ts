import { GetHistoryInput, HistoryPage, UndoInput, UndoResult } from '../../domain/history/schema.js';
import { getHistory, undoChange } from '../../domain/history/service.js';
import { listText } from '../text.js';
import { defineTool } from '../tool.js';

export const getHistoryTool = defineTool({
  name: 'get_history',
  title: 'Get history',
  description:
    'What changed, newest first: one item’s changes (kind and id) or your latest, each with the fields before and after, when and by which client. Paginated.',
  input: GetHistoryInput,
  output: HistoryPage,
  access: 'read',
  run: (ctx, input) => getHistory(ctx, input),
  summarize: (page) =>
    listText(
      'changes',
      page,
      (c) => `${c.at} ${c.actor}: ${c.action} ${c.kind} ${c.id} (change ${c.change_id}, call ${c.batch_id})${c.undone_by ? ' [undone]' : ''}`,
    ),
});

export const undoChangeTool = defineTool({
  name: 'undo_change',
  title: 'Undo change',
  description:
    'Put back what a change did (change_id), what a whole call did (batch_id), or your last call (neither). Refused, naming it, when a later change touched the same fields. Undoable itself.',
  input: UndoInput,
  output: UndoResult,
  access: 'write',
  destructive: true,
  run: (ctx, input) => undoChange(ctx, input),
  summarize: (r) =>
    `Undid ${r.undone.length} change${r.undone.length > 1 ? 's' : ''}: ${r.items.map((i) => `${i.kind} ${i.title} (${i.id})`).join('; ')}. To redo, undo batch ${r.batch_id}.`,
});
