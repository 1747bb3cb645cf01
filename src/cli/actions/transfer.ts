import type { Cli } from '../io.js';
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import type { TenantExport } from '../../domain/transfer/schema.js';
import { exportTenant, importTenant } from '../../domain/transfer/service.js';
import { parseExport } from '../../domain/transfer/validate.js';
import { queueAllForEmbedding } from '../../domain/search/embedding-work.js';
import { withAdminRuntime } from '../admin.js';

export async function runExport(cli: Cli, options: { output?: string; tenant: string }) {
  await withAdminRuntime(cli, undefined, async (runtime) => {
    const data = await runtime.run('read', options.tenant, exportTenant);
    const json = JSON.stringify(data, null, 2) + '\n';
    if (options.output) {
      // The export holds every document in the clear: readable by its owner only.
      fs.writeFileSync(options.output, json, { mode: 0o600 });
      const counts = ['projects', 'tasks', 'todos', 'events', 'documents'].map((k) => `${(data[k as keyof TenantExport] as unknown[]).length} ${k}`);
      cli.io.stderr.write(`mcp-pa: exported ${counts.join(', ')} to ${options.output}\n`);
    } else {
      cli.io.stdout.write(json);
    }
  });
}

function readExport(file: string): TenantExport {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`import: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseExport(raw, file);
}

export async function runImport(cli: Cli, file: string, options: { tenant: string; replace?: boolean }) {
  const data = readExport(file);
  await withAdminRuntime(cli, undefined, async (runtime) => {
    await runtime.ensureTenant(options.tenant);
    const report = await runtime.run('write', options.tenant, (ctx) => importTenant(ctx, data, { replace: options.replace === true }));
    // This command runs no embedding worker, so its writes queued nothing: with embeddings on, the
    // imported items are queued now, and the server embeds them.
    const queued = runtime.config.features.vector_search ? await runtime.run('write', options.tenant, queueAllForEmbedding) : 0;
    const skipped = report.embeddings_skipped ? ` (${report.embeddings_skipped} stored embeddings left out: they are made again where embeddings are on)` : '';
    cli.io.stdout.write(
      `imported ${report.projects} projects, ${report.tasks} tasks, ${report.todos} todos, ${report.events} events, ` +
        `${report.documents} documents and ${report.attachments} attachments${skipped}\n`,
    );
    if (queued) cli.io.stdout.write(`queued ${queued} items for embeddings: a running server embeds them (or run mcp-pa reindex)\n`);
  });
}
