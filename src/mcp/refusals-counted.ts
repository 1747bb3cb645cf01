import { metrics } from '../metrics.js';
import type { StandardSchema } from './json-schema-cache.js';

type Validation = { issues?: readonly unknown[] };
type Validate = (value: unknown) => Validation | Promise<Validation>;

/**
 * A tool's input schema that counts the calls it refuses (status `invalid`): the SDK checks a
 * call's arguments against it before the tool's handler runs, so the handler, which counts every
 * other call (errors.ts), never sees these.
 */
export function refusalsCounted(tool: string, schema: StandardSchema): StandardSchema {
  const standard = schema['~standard'] as { validate: Validate };
  const validate: Validate = (value) => {
    const startedAt = performance.now();
    const counted = (result: Validation) => {
      if (result.issues?.length) metrics.toolCall(tool, 'invalid', (performance.now() - startedAt) / 1000);
      return result;
    };
    const result = standard.validate(value);
    return result instanceof Promise ? result.then(counted) : counted(result);
  };
  return { '~standard': { ...standard, validate } };
}
