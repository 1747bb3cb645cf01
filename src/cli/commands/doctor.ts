import type { Cli } from '../io.js';

const actions = () => import('../actions/doctor.js');

export function addDoctorCommands(cli: Cli): void {
  cli.program
    .command('doctor')
    .description('check the configuration, database, keys, certificate, clock and embeddings provider; changes nothing (exit 1 if a check fails)')
    .option('--serve', 'check the configuration as `mcp-pa serve` reads it (HTTP mode)')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { serve?: boolean; json?: boolean }) => (await actions()).runDoctorCommand(cli, options));
}
