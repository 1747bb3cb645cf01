import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import type { LogDestination } from '../logging.js';

/**
 * What a command reads and writes: the process's own environment and streams for the binary, a
 * test's for a command run in its process. Nothing under cli/ touches `process` for these.
 */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
  /** Where the log goes: the stderr file descriptor (written synchronously), or a stream. */
  log: LogDestination;
  /** Set by a command that reports a failure it has already explained (audit verify). */
  exitCode: number;
  /** Stops a server the command started, as SIGTERM does (for a test running the command in its process). */
  stop?: AbortSignal;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    // Touched only by the commands that read it (stdio, passwords, confirmations), as before.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    log: 2,
    exitCode: 0,
  };
}

/** The parsed command line and the streams of one run: what every command handler takes. */
export interface Cli {
  program: Command;
  io: CliIo;
}

/** Repeatable options collect every value given. */
export const collect = (value: string, all: string[]) => [...all, value];
