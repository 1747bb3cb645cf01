import type { Cli } from '../io.js';
import { backup } from '../../compose/backup.js';
import { restore } from '../../compose/restore.js';
import { configFrom } from '../admin.js';

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function runBackup(cli: Cli, file: string, options: { includeKey?: boolean }) {
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

export async function runRestore(cli: Cli, file: string, options: { replace?: boolean; keyFile?: string }) {
  const config = configFrom(cli);
  const { manifest, setAside } = await restore(config, file, options);
  cli.io.stdout.write(`restored the backup of ${manifest.created_at} (schema version ${manifest.schema_version}, made by mcp-pa ${manifest.mcp_pa})\n`);
  if (setAside) cli.io.stdout.write(`the database that was there is in ${setAside}\n`);
}
