import { MAX_PASSWORD_LENGTH, passwordProblem } from '../auth/passwords.js';
import { UserError } from '../errors.js';
import type { Writable } from 'node:stream';
import type { CliIo } from './io.js';

/** A password typed at the terminal (not echoed). */
export async function askPassword(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string> {
  const { createInterface } = await import('node:readline');
  const prompt = createInterface({ input, output, terminal: true });
  // Echo nothing of what is typed (readline has no option for it: its echo goes through this member).
  (prompt as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(question)) output.write(question);
  };
  try {
    return await new Promise<string>((resolve) => prompt.question(question, resolve));
  } finally {
    output.write('\n');
    prompt.close();
  }
}

/** What a script pipes in: a line holding the password, or two (as `passwd` reads them) that must match. */
async function pipedPassword(input: NodeJS.ReadableStream, command: string, nothingDone: string): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk;
    if (text.length > 4 * MAX_PASSWORD_LENGTH) throw new UserError(`${command}: the input is too long for a password; ${nothingDone}.`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 2 && lines[0] !== lines[1]) throw new UserError(`${command}: the two passwords differ; ${nothingDone}.`);
  if (lines.length > 2) {
    throw new UserError(`${command}: expected the password on one line (or twice, on two lines), got ${lines.length} lines; ${nothingDone}.`);
  }
  return lines[0] ?? '';
}

/** A new password, checked: asked twice at a terminal, or read from stdin; `command` names who asks in errors. */
export async function readNewPassword(io: CliIo, question: string, command: string, nothingDone: string): Promise<string> {
  const terminal = io.stdin.isTTY ? (q: string) => askPassword(q, io.stdin, io.stderr) : undefined;
  const password = terminal ? await terminal(question) : await pipedPassword(io.stdin, command, nothingDone);
  const problem = passwordProblem(password);
  if (problem) throw new UserError(`${command}: ${problem}; ${nothingDone}.`);
  if (terminal && (await terminal('The same password again: ')) !== password) {
    throw new UserError(`${command}: the two passwords differ; ${nothingDone}.`);
  }
  return password;
}

/** Asks on the terminal; answers '' when there is none. */
export async function ask(io: CliIo, question: string): Promise<string> {
  if (!io.stdin.isTTY) return '';
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: io.stdin, output: io.stderr });
  try {
    return (await prompt.question(question)).trim();
  } finally {
    prompt.close();
  }
}

/** Writes rows under a header, each column as wide as its widest cell. */
export function printTable(out: Writable, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows])
    out.write(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n',
    );
}

/** Writes a value as indented JSON (the `--json` of the list commands). */
export function printJson(out: Writable, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}
