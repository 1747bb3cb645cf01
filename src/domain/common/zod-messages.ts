import { z, type ZodError } from 'zod';

/** A zod error as the tools report theirs: the path of the first problem, then the problem. */
export function describeZodError(err: ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'the arguments are not valid';
  return issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Plain-language messages for the type errors zod reports before our own rules run:
 * "is required" for a missing field, "must be a number, not string" for a wrong type.
 */
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return 'is required';
      return `must be ${article(issue.expected)}, not ${typeOf(issue.input)}`;
    }
    if (issue.code === 'invalid_value' && issue.values.length > 1) {
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    }
    if (issue.code === 'unrecognized_keys') {
      return `unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the tool's input schema for the names`;
    }
    return undefined;
  },
});
