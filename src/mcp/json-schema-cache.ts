/** Standard JSON Schema's converter: options (the target dialect) in, a JSON Schema out. */
type Converter = (options: unknown) => Record<string, unknown>;

const memoized = new WeakSet<object>();

function memo(convert: Converter): Converter {
  const results = new Map<string, Record<string, unknown>>();
  return (options) => {
    const key = JSON.stringify(options ?? {});
    let result = results.get(key);
    if (!result) results.set(key, (result = deepFreeze(convert(options))));
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
 * convert once per target and hand out the (frozen) result after that.
 */
export function convertOnce(schema: { '~standard': unknown }): void {
  const standard = schema['~standard'] as { jsonSchema?: { input: Converter; output: Converter } };
  if (!standard.jsonSchema || memoized.has(standard)) return;
  standard.jsonSchema = { input: memo(standard.jsonSchema.input), output: memo(standard.jsonSchema.output) };
  memoized.add(standard);
}
