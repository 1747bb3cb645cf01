import { leanSchema } from './lean-schema.js';

/** Standard JSON Schema's converter: options (the target dialect) in, a JSON Schema out. */
type Converter = (options: unknown) => Record<string, unknown>;

const memoized = new WeakSet<object>();

/** A converter that works once per target, shapes its result with `shape`, and hands out the frozen result after that. */
function memo(convert: Converter, shape: (json: Record<string, unknown>) => Record<string, unknown>): Converter {
  const results = new Map<string, Record<string, unknown>>();
  return (options) => {
    const key = JSON.stringify(options ?? {});
    let result = results.get(key);
    if (!result) results.set(key, (result = deepFreeze(shape(convert(options)))));
    return result;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The SDK turns a tool's schemas into JSON Schema for every server it builds, and over HTTP it
 * builds one per request: a cost paid again and again for the same answer. This makes a schema
 * convert once per target, made lean (lean-schema.ts), and hand out the (frozen) result after that.
 */
export type StandardSchema = { '~standard': unknown };
type Json = Record<string, unknown>;

/**
 * A schema listed as `schema` is, changed by `edit` (after the lean pass): for what only the tool
 * list needs different (a bulk tool's items without the single tool's descriptions).
 */
export function editedListing(schema: StandardSchema, edit: (json: Json) => Json): StandardSchema {
  convertOnce(schema);
  const { jsonSchema } = schema['~standard'] as { jsonSchema: { input: Converter; output: Converter } };
  const edited = (convert: Converter) => memo(convert, (json) => edit(structuredClone(json)));
  const standard = { ...(schema['~standard'] as object), jsonSchema: { input: edited(jsonSchema.input), output: edited(jsonSchema.output) } };
  memoized.add(standard);
  return { '~standard': standard };
}

/**
 * A schema that validates as `validating` does and is listed (as JSON Schema) as `shown` is: a
 * bulk call validates each item itself, so one bad item need not refuse the others; the dashboard
 * lists the fields a glance needs of items it returns whole.
 */
export function shownAs(validating: StandardSchema, shown: StandardSchema): StandardSchema {
  convertOnce(shown);
  const shownStandard = shown['~standard'] as { jsonSchema: unknown };
  return { '~standard': { ...(validating['~standard'] as object), jsonSchema: shownStandard.jsonSchema } };
}

export function convertOnce(schema: StandardSchema): void {
  const standard = schema['~standard'] as { jsonSchema?: { input: Converter; output: Converter } };
  if (!standard.jsonSchema || memoized.has(standard)) return;
  standard.jsonSchema = {
    input: memo(standard.jsonSchema.input, (json) => leanSchema(json, 'input')),
    output: memo(standard.jsonSchema.output, (json) => leanSchema(json, 'output')),
  };
  memoized.add(standard);
}
