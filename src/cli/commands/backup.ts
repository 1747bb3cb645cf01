import type { Cli } from '../io.js';
import { backup } from '../../compose/backup.js';
import { restore } from '../../compose/restore.js';
import { configFrom } from '../admin.js';

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function runBackup(cli: Cli, file: string, options: { includeKey?: boolean }) {
  const config = configFrom(cli);
  const { manifest, bytes } = await backup(config, file, options);
  const what = manifest.engine === 'sqlite' ? `the database and ${manifest.documents} document files` : 'the embedded database';
  cli.io.stdout.write(`backed up ${what} (schema version ${manifest.schema_version}) to ${file} (${megabytes(bytes)})\n`);
  const needs: string[] = [];
  if (manifest.database_encrypted) needs.push('the same MCP_PA_ENCRYPTION_KEY (the backup stays encrypted with it)');
  const kek = manifest.key_encryption_key;
  if (kek.source === 'setting') needs.push('the same MCP_OAUTH_KEY_ENCRYPTION_KEY');
  if (kek.source === 'file' && !kek.included)
    needs.push(
      'the key-encryption key, which is NOT in the backup: keep oauth-signing-keys.kek from the data directory safe, apart from the backup (restore --key-file FILE)',
    );
  if (kek.included)
    cli.io.stderr.write('mcp-pa: the backup holds the key-encryption key: whoever has the file can open the signing keys and sealed secrets in it.\n');
  if (needs.length) cli.io.stdout.write(`to restore it you need ${needs.join('; and ')}\n`);
}

async function runRestore(cli: Cli, file: string, options: { replace?: boolean; keyFile?: string }) {
  const config = configFrom(cli);
  const { manifest, setAside } = await restore(config, file, options);
  cli.io.stdout.write(`restored the backup of ${manifest.created_at} (schema version ${manifest.schema_version}, made by mcp-pa ${manifest.mcp_pa})\n`);
  if (setAside) cli.io.stdout.write(`the database that was there is in ${setAside}\n`);
}

/** `backup FILE` and `restore FILE`: the local database (SQLite with its documents, or embedded PostgreSQL) in one file. */
export function addBackupCommands(cli: Cli): void {
  cli.program
    .command('backup')
    .argument('<file>', 'the backup file to write (a gzipped tar; it must not exist)')
    .description(
      'write a consistent backup of the local database and documents, even while a server uses them (SQLite; embedded PostgreSQL while no server runs)',
    )
    .option('--include-key', "put the data directory's key-encryption key in the backup (then the backup alone opens the signing keys and sealed secrets)")
    .action((file: string, options: { includeKey?: boolean }) => runBackup(cli, file, options));
  cli.program
    .command('restore')
    .argument('<file>', 'a file written by mcp-pa backup')
    .description('restore a backup into the configured data directory, checked first; stop the server before')
    .option('--replace', 'set the current database aside (in the data directory) and restore over it')
    .option('--key-file <file>', 'the key-encryption key file of the deployment the backup came from, when the backup does not hold it')
    .action((file: string, options: { replace?: boolean; keyFile?: string }) => runRestore(cli, file, options));
}
