import { LOCAL_TENANT } from '../../local-tenant.js';
import type { Cli } from '../io.js';

const actions = () => import('../actions/transfer.js');

/** `export` and `import`: one tenant's data as JSON, out and back in. */
export function addTransferCommands(cli: Cli): void {
  cli.program
    .command('export')
    .description("write one tenant's data (all of it, documents included) as JSON")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--tenant <id>', 'the tenant to export', LOCAL_TENANT)
    .action(async (options: { output?: string; tenant: string }) => (await actions()).runExport(cli, options));

  cli.program
    .command('import')
    .description('load an export into a tenant (which must be empty, unless --replace)')
    .argument('<file>', 'a file written by mcp-pa export')
    .option('--tenant <id>', 'the tenant to load into', LOCAL_TENANT)
    .option('--replace', "delete the tenant's current data first")
    .action(async (file: string, options: { tenant: string; replace?: boolean }) => (await actions()).runImport(cli, file, options));
}
