import { CommanderError } from 'commander';
import { ConfigError, RowSecurityNotEnforcedError, UserError } from '../errors.js';
import { processIo, type CliIo } from './io.js';
import { buildProgram, EXIT_FAILURE, EXIT_USAGE } from './program.js';

/**
 * Runs the command line and resolves with its exit code: 0 done; 2 the configuration or the
 * command was refused (said on stderr); 1 any other failure. The process's streams unless given.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return io.exitCode;
  } catch (err) {
    // Commander has already written its own message (or the help, or the version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    io.stderr.write(`mcp-pa: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ConfigError || err instanceof UserError || err instanceof RowSecurityNotEnforcedError ? EXIT_USAGE : EXIT_FAILURE;
  }
}
