import type { Cli } from '../io.js';
import type { NewClient } from '../../auth/clients.js';
import { UserError } from '../../errors.js';
import { adminEvent, withAdminRuntime } from '../admin.js';
import { printJson } from '../terminal.js';

/** `client add` as commander parses it: repeated --redirect-uri, the expiry as typed. */
export type ClientAddOptions = Omit<NewClient, 'redirectUris' | 'secretExpiresInDays'> & { redirectUri: string[]; secretExpiresInDays?: string };

export async function runClientAdd(cli: Cli, options: ClientAddOptions) {
  const days = options.secretExpiresInDays === undefined ? undefined : Number(options.secretExpiresInDays);
  if (days !== undefined && !(days > 0)) throw new UserError('--secret-expires-in-days must be a positive number of days');
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const { addClient } = await import('../../auth/clients.js');
    const added = await addClient(runtime, { ...options, redirectUris: options.redirectUri, secretExpiresInDays: days });
    const details = { method: options.authMethod, owner: options.owner !== undefined };
    await adminEvent(runtime, { type: 'admin.client.added', clientId: added.clientId, details });
    cli.io.stdout.write(`added client "${options.name}" (${options.authMethod})\nclient_id: ${added.clientId}\n`);
    if (added.secret) {
      cli.io.stdout.write(`client_secret: ${added.secret}\n`);
      const expiry = added.expiresAt ? `It stops working at ${new Date(added.expiresAt * 1000).toISOString()}.` : 'It does not expire.';
      cli.io.stdout.write(`The secret is shown this once: store it now. ${expiry}\n`);
    }
  });
}

export async function runClientList(cli: Cli, options: { json?: boolean }) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const { listClients } = await import('../../auth/clients.js');
    const clients = await listClients(runtime.engine);
    if (options.json) return printJson(cli.io.stdout, clients);
    for (const c of clients) {
      const owner = c.owner ? `, acts for ${c.owner}` : '';
      const expiry = c.secret_expires_at ? `, secret until ${c.secret_expires_at}` : '';
      cli.io.stdout.write(`${c.client_id}\t${c.client_name ?? '(no name)'}\t${c.token_endpoint_auth_method}\t${c.origin}${owner}${expiry}\n`);
    }
    if (clients.length === 0) cli.io.stdout.write('no clients\n');
  });
}

export async function runClientRemove(cli: Cli, clientId: string) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const { removeClient } = await import('../../auth/clients.js');
    const removed = await removeClient(runtime.engine, clientId);
    await adminEvent(runtime, { type: 'admin.client.removed', clientId, details: { records: removed } });
    cli.io.stdout.write(
      `removed client ${clientId} (${removed} records: the client, its grants, refresh tokens and registration token); ` +
        'its access tokens stop working at once\n',
    );
  });
}
