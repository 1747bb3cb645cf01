import type { Command } from 'commander';
import { adminEvent, withAdminRuntime } from '../admin.js';

async function runKeysRotate(program: Command) {
  await withAdminRuntime(program, 'http', async (runtime) => {
    const [{ keyEncryptionKey }, { loadSigningKeys, rotateSigningKeys }] = await Promise.all([
      import('../../security/key-encryption-key.js'),
      import('../../auth/signing-keys.js'),
    ]);
    const kek = await keyEncryptionKey(runtime);
    await loadSigningKeys(runtime.engine, kek); // opens (or first creates) the current keys: a wrong key-encryption key stops here
    const { added, retiring } = await rotateSigningKeys(runtime.engine, kek, runtime.config.authentication.token_expiry);
    await adminEvent(runtime, { type: 'admin.keys.rotated', details: { added, retired: retiring.map((r) => r.kid) } });
    process.stdout.write(`new signing keys: ${added.join(', ')}\n`);
    for (const { kid, until } of retiring) process.stdout.write(`retired ${kid}: still verifies tokens until ${until}\n`);
    process.stdout.write('Running instances sign with the new keys within 30 seconds; no restart is needed.\n');
  });
}

/** `keys rotate`: the embedded authorization server's signing keys. */
export function addKeysCommands(program: Command): void {
  const keys = program.command('keys').description("manage the embedded authorization server's signing keys");
  keys
    .command('rotate')
    .description('add new signing keys; the old ones keep verifying until every token they signed has expired')
    .action(() => runKeysRotate(program));
}
