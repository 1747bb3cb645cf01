import type { z } from 'zod';
import type { DomainContext } from '../context.js';
import { readDateWords } from './date-words.js';
import { isDateField } from './fields.js';
import { recurrenceFields } from './recurrence.js';
import { readRuleWords } from './rule-words.js';
import { isIsoText } from './time.js';

type Schema = z.ZodType & { _zod: { def: { type: string; innerType?: Schema } } };

/** The schema inside optional, nullable and default wrappers: what the field itself is. */
function bare(schema: Schema): Schema {
  let s = schema;
  while (['optional', 'nullable', 'default', 'prefault'].includes(s._zod.def.type) && s._zod.def.innerType) s = s._zod.def.innerType;
  return s;
}

/**
 * A tool's arguments with what the person said in words read: dates ("next fri 9am") as ISO text
 * in their zone, repetition ("every weekday") as an RRULE. ISO dates and RRULEs pass as they are,
 * so the services see exactly what they saw before words were allowed. Each reading is noted on
 * the call (ctx.readings), and the result's text states it.
 */
export async function readWords<T>(ctx: DomainContext, schema: z.ZodType, input: T, prefix = ''): Promise<T> {
  const shape = (schema as unknown as { shape?: Record<string, Schema> }).shape;
  if (!shape || typeof input !== 'object' || input === null) return input;
  const values = { ...(input as Record<string, unknown>) };
  let zone: string | undefined;
  const readDate = async (field: string, said: string) => {
    if (isIsoText(said)) return said;
    const read = readDateWords(said, (zone ??= await ctx.zone()), ctx.now, field);
    ctx.readings.push({ field: prefix + field, said, read });
    return read;
  };
  for (const [field, fieldSchema] of Object.entries(shape)) {
    const value = values[field];
    const inner = bare(fieldSchema);
    if (typeof value === 'string' && isDateField(inner)) values[field] = await readDate(field, value);
    else if (Array.isArray(value) && isDateField(inner)) {
      values[field] = await Promise.all(value.map((v, i) => (typeof v === 'string' ? readDate(`${field}[${i}]`, v) : v)));
    } else if (typeof value === 'string' && inner === recurrenceFields.recurrence) {
      const read = readRuleWords(value, field);
      if (read !== undefined) {
        ctx.readings.push({ field: prefix + field, said: value, read });
        values[field] = read;
      }
    }
  }
  return values as T;
}
