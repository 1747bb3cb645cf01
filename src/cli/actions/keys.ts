import type { Cli } from '../io.js';
import { adminEvent, withAdminRuntime } from '../admin.js';

export async function runKeysRotate(cli: Cli) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const [{ keyEncryptionKey }, { loadSigningKeys, rotateSigningKeys }] = await Promise.all([
      import('../../security/key-encryption-key.js'),
      import('../../auth/signing-keys.js'),
    ]);
    const kek = await keyEncryptionKey(runtime);
    await loadSigningKeys(runtime.engine, kek); // opens (or first creates) the current keys: a wrong key-encryption key stops here
    const { added, retiring } = await rotateSigningKeys(runtime.engine, kek, runtime.config.authentication.token_expiry);
    await adminEvent(runtime, { type: 'admin.keys.rotated', details: { added, retired: retiring.map((r) => r.kid) } });
    cli.io.stdout.write(`new signing keys: ${added.join(', ')}\n`);
    for (const { kid, until } of retiring) cli.io.stdout.write(`retired ${kid}: still verifies tokens until ${until}\n`);
    cli.io.stdout.write('Running instances sign with the new keys within 30 seconds; no restart is needed.\n');
  });
}
