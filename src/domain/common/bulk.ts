import { z } from 'zod';
import { UserError } from '../../errors.js';
import type { DomainContext } from '../context.js';
import { readWords } from './words.js';
import { describeZodError } from './zod-messages.js';

const MAX_BULK_ITEMS = 50;

const atomic = z.boolean().default(true).describe('true: all items or none; false: each alone, with a result per item.');

const itemsOf = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, 'give at least one item').max(MAX_BULK_ITEMS, `at most ${MAX_BULK_ITEMS} items a call; split the list`);

/**
 * A bulk call's input as validated: each item is checked by runBulk, one at a time, so that with
 * atomic: false a bad item fails alone. The tool list shows bulkInputShown (the items' schema).
 */
export const BulkInput = z.strictObject({ items: itemsOf(z.unknown()), atomic });
export type BulkInput = z.output<typeof BulkInput>;
export const bulkInputShown = <T extends z.ZodType>(item: T) => z.strictObject({ items: itemsOf(item), atomic });

export const bulkResultOf = <T extends z.ZodType>(item: T) =>
  z.object({
    results: z.array(
      z.object({
        index: z.number(),
        ok: z.boolean(),
        item: item.optional(),
        error: z.string().optional(),
      }),
    ),
  });
export interface BulkResult<T> {
  results: { index: number; ok: boolean; item?: T; error?: string }[];
}

/** A failure of one item, named by its index. */
const itemError = (index: number, err: UserError) => new UserError(`items[${index}]: ${err.message}`);

/**
 * How a tool's items are applied: one at a time, or (creating items) each checked alone and then
 * all written in one round, so that 50 new items cost a few statements, not 50 times a few.
 */
export type BulkWay<I, O, P> =
  | { one: (ctx: DomainContext, item: I) => Promise<O> }
  | { check: (ctx: DomainContext, item: I) => Promise<P>; write: (ctx: DomainContext, checked: readonly P[]) => Promise<O[]> };

/**
 * Applies each item in this call's one transaction, the search index written in one round at the
 * end. atomic: the first failing item refuses the whole call (nothing is written); otherwise a
 * failing item fails alone, leaving nothing behind (run one at a time, each in a savepoint), and
 * the others stand. A failure that is not the user's (the database) always fails the whole call.
 */
export function runBulk<I, O, P>(ctx: DomainContext, input: BulkInput, schema: z.ZodType<I>, way: BulkWay<I, O, P>): Promise<BulkResult<O>> {
  const parse = (raw: unknown, index: number) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new UserError(describeZodError(parsed.error));
    return readWords(ctx, schema, parsed.data, `items[${index}].`);
  };
  return ctx.search.batch(async () => {
    const results: BulkResult<O>['results'] = [];
    const checked: { index: number; value: P }[] = [];
    for (const [index, raw] of input.items.entries()) {
      try {
        if ('check' in way) checked.push({ index, value: await way.check(ctx, await parse(raw, index)) });
        else {
          const apply = async () => way.one(ctx, await parse(raw, index));
          results.push({ index, ok: true, item: input.atomic ? await apply() : await ctx.savepoint(apply) });
        }
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        if (input.atomic) throw itemError(index, err);
        results.push({ index, ok: false, error: itemError(index, err).message });
      }
    }
    if ('write' in way && checked.length) {
      const written = await way.write(
        ctx,
        checked.map((c) => c.value),
      );
      checked.forEach((c, i) => results.push({ index: c.index, ok: true, item: written[i] }));
    }
    return { results: results.sort((a, b) => a.index - b.index) };
  });
}
