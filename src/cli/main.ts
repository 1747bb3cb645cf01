import { ConfigError, RowSecurityNotEnforcedError, UserError } from '../errors.js';
import { buildProgram, EXIT_FAILURE, EXIT_USAGE } from './program.js';

function fail(err: unknown): never {
  console.error(`mcp-pa: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ConfigError || err instanceof UserError || err instanceof RowSecurityNotEnforcedError ? EXIT_USAGE : EXIT_FAILURE);
}

/** Runs the command line; a refused configuration or command exits with 2, any other failure with 1. */
export function main(argv: readonly string[]): Promise<void> {
  return buildProgram()
    .parseAsync(argv)
    .then(() => undefined, fail);
}
