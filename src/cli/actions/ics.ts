import fs from 'node:fs';
import type { z } from 'zod';
import type { Cli } from '../io.js';
import { UserError } from '../../errors.js';
import { selectAccount } from '../../auth/accounts.js';
import { ExportIcsInput, ImportIcsInput } from '../../domain/ical/schema.js';
import { exportIcs, importIcs } from '../../domain/ical/service.js';
import { LOCAL_TENANT, type OpenedRuntime } from '../../runtime.js';
import { withAdminRuntime } from '../admin.js';

export interface PersonOptions {
  email?: string;
  tenant?: string;
}

/** The tenant a command works on: the account with --email, the tenant --tenant names, or local mode's. */
export async function tenantOf(runtime: OpenedRuntime, options: PersonOptions): Promise<string> {
  if (options.email !== undefined && options.tenant !== undefined) throw new UserError('name the person with --email or --tenant, not both');
  if (options.email !== undefined) return (await selectAccount(runtime.engine, { email: options.email })).id;
  return options.tenant ?? LOCAL_TENANT;
}

/** A tool's input as a command passes it: checked by the tool's own schema, its problem named. */
function input<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new UserError(`${issue.path.join('.') || 'input'}: ${issue.message}`);
}

export async function runImport(cli: Cli, file: string, options: PersonOptions) {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`ics import: cannot read ${file}: ${(err as Error).message}`);
  }
  const args = input(ImportIcsInput, { ics_text: text });
  await withAdminRuntime(cli, undefined, async (runtime) => {
    const tenant = await tenantOf(runtime, options);
    await runtime.ensureTenant(tenant);
    const result = await runtime.run('write', tenant, (ctx) => importIcs(ctx, args));
    cli.io.stdout.write(`imported ${result.items.length} items from ${file}: ${result.created} new, ${result.updated} updated\n`);
  });
}

export async function runExport(cli: Cli, options: PersonOptions & { output?: string; start?: string; end?: string; kind: string[] }) {
  const args = input(ExportIcsInput, { start_date: options.start, end_date: options.end, ...(options.kind.length ? { kinds: options.kind } : {}) });
  await withAdminRuntime(cli, undefined, async (runtime) => {
    const tenant = await tenantOf(runtime, options);
    const result = await runtime.run('read', tenant, (ctx) => exportIcs(ctx, args));
    if (options.output) {
      fs.writeFileSync(options.output, result.ics_text, { mode: 0o600 });
      cli.io.stderr.write(`mcp-pa: exported ${result.events} events and ${result.todos} todos to ${options.output}\n`);
    } else {
      cli.io.stdout.write(result.ics_text);
    }
  });
}
