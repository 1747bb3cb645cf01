import type { ClientAddOptions } from '../actions/clients.js';
import { collect, type Cli } from '../io.js';

const actions = () => import('../actions/clients.js');

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
    .action(async (options: ClientAddOptions) => (await actions()).runClientAdd(cli, options));
  clients
    .command('list')
    .description('list the clients: id, name, authentication method, how they came, owner (never secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => (await actions()).runClientList(cli, options));
  clients
    .command('remove')
    .description('remove a client, revoking its grants and refresh tokens')
    .argument('<client_id>', 'from mcp-pa client list')
    .action(async (clientId: string) => (await actions()).runClientRemove(cli, clientId));
}
