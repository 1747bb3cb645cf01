import { z } from 'zod';
import { BulkInput, bulkInputShown, bulkResultOf, runBulk, type BulkResult, type BulkWay } from '../../domain/common/bulk.js';
import { createTodos } from '../../domain/todos/service.js';
import { editedListing } from '../json-schema-cache.js';
import { defineTool, type ToolDeclaration } from '../tool.js';
import { createCalendarEventTool } from './calendar.js';
import { completeTodoTool, createTodoTool, updateTodoTool } from './todos.js';

/** Drops descriptions inside the items: the single tool's listing carries them (the shared definitions stay). */
function withoutItemDescriptions(json: Record<string, unknown>): Record<string, unknown> {
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === 'object') {
      // A description keyword is text; a property named description is a schema, and stays.
      if (typeof (node as Record<string, unknown>).description === 'string') delete (node as Record<string, unknown>).description;
      Object.values(node).forEach(strip);
    }
  };
  strip((json.properties as Record<string, { items?: unknown }> | undefined)?.items?.items);
  return json;
}

/**
 * The bulk form of a tool: up to 50 of its inputs in one call and one transaction, each item
 * exactly the single tool's input, each result exactly its output.
 */
function bulkOf<T extends ToolDeclaration, P = never>(
  single: T,
  name: string,
  title: string,
  what: string,
  way?: BulkWay<z.output<T['input']>, z.output<T['output']>, P>,
) {
  type Item = z.output<T['input']>;
  type Out = z.output<T['output']>;
  const summarize = (result: BulkResult<unknown>) => {
    const failed = result.results.filter((r) => !r.ok);
    const head = `${result.results.length - failed.length} of ${result.results.length} applied.`;
    return [head, ...result.results.map((r) => (r.ok ? `- ${single.summarize(r.item as Out)}` : `- ${r.error}`))].join('\n');
  };
  return defineTool({
    name,
    title,
    description: `${what} Each item takes ${single.name}'s arguments.`,
    input: BulkInput,
    // Each item is what the single tool returns (its own run made it); checking 50 of them again
    // against the full schema would cost a bulk call more than its writes.
    output: bulkResultOf(z.object({ id: z.string() }).loose().describe(`As ${single.name} returns it.`)),
    shown: { input: editedListing(bulkInputShown(single.input), withoutItemDescriptions) },
    access: single.access,
    destructive: single.destructive,
    idempotent: single.idempotent,
    run: (ctx, input) =>
      runBulk<Item, Out, P>(
        ctx,
        input,
        single.input as unknown as z.ZodType<Item>,
        way ?? { one: (c, item) => single.run(c, item as never, undefined as never) as Promise<Out> },
      ) as Promise<BulkResult<{ id: string }>>,
    summarize,
  });
}

export const createTodosTool = bulkOf(createTodoTool, 'create_todos', 'Create todos', 'Add several todos at once.', createTodos);
export const updateTodosTool = bulkOf(updateTodoTool, 'update_todos', 'Update todos', 'Change several todos at once.');
export const completeTodosTool = bulkOf(completeTodoTool, 'complete_todos', 'Complete todos', 'Mark several todos done at once.');
export const createCalendarEventsTool = bulkOf(createCalendarEventTool, 'create_calendar_events', 'Create calendar events', 'Add several events at once.');
