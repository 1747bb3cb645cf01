import type { Cli } from '../io.js';

const actions = () => import('../actions/backup.js');

/** `backup FILE` and `restore FILE`: the local database (SQLite with its documents, or embedded PostgreSQL) in one file. */
export function addBackupCommands(cli: Cli): void {
  cli.program
    .command('backup')
    .argument('<file>', 'the backup file to write (a gzipped tar; it must not exist)')
    .description(
      'write a consistent backup of the local database and documents, even while a server uses them (SQLite; embedded PostgreSQL while no server runs)',
    )
    .option('--include-key', "put the data directory's key-encryption key in the backup (then the backup alone opens the signing keys and sealed secrets)")
    .action(async (file: string, options: { includeKey?: boolean }) => (await actions()).runBackup(cli, file, options));
  cli.program
    .command('restore')
    .argument('<file>', 'a file written by mcp-pa backup')
    .description('restore a backup into the configured data directory, checked first; stop the server before')
    .option('--replace', 'set the current database aside (in the data directory) and restore over it')
    .option('--key-file <file>', 'the key-encryption key file of the deployment the backup came from, when the backup does not hold it')
    .action(async (file: string, options: { replace?: boolean; keyFile?: string }) => (await actions()).runRestore(cli, file, options));
}
