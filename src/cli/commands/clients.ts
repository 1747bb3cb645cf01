import type { Cli } from '../io.js';
import type { NewClient } from '../../auth/clients.js';
import { UserError } from '../../errors.js';
import { adminEvent, collect, withAdminRuntime } from '../admin.js';
import { printJson } from '../terminal.js';

/** `client add` as commander parses it: repeated --redirect-uri, the expiry as typed. */
type ClientAddOptions = Omit<NewClient, 'redirectUris' | 'secretExpiresInDays'> & { redirectUri: string[]; secretExpiresInDays?: string };

async function runClientAdd(cli: Cli, options: ClientAddOptions) {
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

async function runClientList(cli: Cli, options: { json?: boolean }) {
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

async function runClientRemove(cli: Cli, clientId: string) {
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

/** `client add|list|remove`: the OAuth clients of the embedded authorization server. */
export function addClientCommands(cli: Cli): void {
  const clients = cli.program.command('client').description('manage the OAuth clients of the embedded authorization server');
  clients
    .command('add')
    .description('pre-register a confidential client (an agent or service that can keep a secret or a key)')
    .requiredOption('--name <name>', 'its name, shown on the consent page')
    .requiredOption('--auth-method <method>', 'client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth or self_signed_tls_client_auth')
    .option('--redirect-uri <uri>', 'where people are sent back after signing in (repeat for several)', collect, [] as string[])
    .option('--jwks-file <file>', 'its public keys, a JSON Web Key Set (private_key_jwt; self_signed_tls_client_auth with x5c)')
    .option('--jwks-uri <url>', 'where it publishes its public keys (https)')
    .option('--tls-subject-dn <dn>', 'the subject of its certificate, e.g. "CN=billing-agent,O=Example" (tls_client_auth)')
    .option('--tls-san-dns <name>', 'or a DNS name its certificate carries (tls_client_auth)')
    .option('--owner <email>', 'the account it acts for on its own (the client_credentials grant)')
    .option('--scope <scopes>', 'the scopes it may have', 'pa:read pa:write')
    .option('--secret-expires-in-days <days>', 'the secret stops working after this many days (client_secret_*)')
    .action((options: ClientAddOptions) => runClientAdd(cli, options));
  clients
    .command('list')
    .description('list the clients: id, name, authentication method, how they came, owner (never secrets)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => runClientList(cli, options));
  clients
    .command('remove')
    .description('remove a client, revoking its grants and refresh tokens')
    .argument('<client_id>', 'from mcp-pa client list')
    .action((clientId: string) => runClientRemove(cli, clientId));
}
