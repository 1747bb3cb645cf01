#!/usr/bin/env node
// First, so an unsupported Node stops with a clear message before anything else loads.
import './node-version.js';
import { Command, Option } from 'commander';
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import { ConfigError, loadConfig, type ConfigFlags, type ResolvedConfig } from './config/load.js';
import { addLocalAccount, changePassword, deleteAccount, disableAccount, listAccounts, selectAccount, type AccountSelector } from './auth/accounts.js';
import { hashPassword, MAX_PASSWORD_LENGTH, passwordProblem } from './auth/passwords.js';
import type { NewClient } from './auth/clients.js';
import type { AuditInput } from './security/audit.js';
import { UserError } from './domain/common/errors.js';
import type { TenantExport } from './domain/transfer/schema.js';
import { parseExport } from './domain/transfer/validate.js';
import { exportTenant, importTenant } from './domain/transfer/service.js';
import { createLogger } from './logging.js';
import { SERVER_VERSION } from './mcp/server.js';
import { LOCAL_TENANT, openEngine, openRuntime, type Runtime } from './runtime.js';
import { migrate } from './storage/migrations/index.js';
import { serveLocalStdio } from './transports/stdio.js';

/** Exit codes: 2 = the configuration or the command line is wrong; 1 = it failed at run time. */
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

function fail(err: unknown): never {
  console.error(`mcp-pa: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ConfigError || err instanceof UserError ? EXIT_USAGE : EXIT_FAILURE);
}

function configFrom(program: Command): ResolvedConfig {
  return loadConfig(program.opts<ConfigFlags>());
}

async function runStdio(program: Command) {
  const config = configFrom(program);
  if (config.mode === 'http') {
    throw new ConfigError('The configuration is for HTTP mode ("mode": "http"); `mcp-pa stdio` serves local mode only.');
  }
  const logger = createLogger(config.logging.level);
  const runtime = await openRuntime(config, logger);
  await runtime.ensureTenant(LOCAL_TENANT);
  await serveLocalStdio(runtime);
}

async function runServe(program: Command) {
  const config = loadConfig(program.opts<ConfigFlags>(), process.env, { mode: 'http' });
  if (config.mode !== 'http') {
    throw new ConfigError('The configuration is for local mode ("mode": "local"); `mcp-pa serve` serves HTTP mode. Use `mcp-pa stdio`, or set "mode": "http".');
  }
  // Loaded only here: local mode never pays for the HTTP stack's modules (start-up time, memory).
  const { planListen, serveHttp } = await import('./transports/http/server.js');
  const plan = planListen(config);
  const logger = createLogger(config.logging.level);
  const runtime = await openRuntime(config, logger);
  if (!config.authentication.enabled) await runtime.ensureTenant(LOCAL_TENANT);
  await serveHttp(runtime, plan);
}

async function runMigrate(program: Command) {
  const config = configFrom(program);
  const engine = await openEngine(config);
  try {
    const steps = await migrate(engine.db as Kysely<unknown>, engine.dialect, { appRole: config.database.app_role, vectors: engine.vectorSearch });
    const where = engine.kind === 'sqlite' ? config.database.path : engine.kind === 'pglite' ? 'embedded PostgreSQL' : 'PostgreSQL';
    process.stdout.write(steps.length === 0 ? `${where}: up to date.\n` : steps.map((step) => `${where}: ${step}\n`).join(''));
    const security = await engine.security();
    for (const warning of security.warnings) process.stderr.write(`mcp-pa: SECURITY: ${warning}\n`);
  } finally {
    await engine.close();
  }
}

/**
 * Runs a one-shot administrative command on its own runtime (quieter logs), closed however the
 * command ends; `http` for the commands that administer HTTP mode.
 */
async function withAdminRuntime(program: Command, mode: 'http' | undefined, command: (runtime: Runtime) => Promise<void>): Promise<void> {
  const config = loadConfig(program.opts<ConfigFlags>(), process.env, { mode });
  const runtime = await openRuntime(config, createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level));
  try {
    await command(runtime);
  } finally {
    await runtime.close();
  }
}

/** An administrative command in the audit trail (written before the command reports success). */
async function adminEvent(runtime: Runtime, input: AuditInput): Promise<void> {
  const { auditOf } = await import('./security/audit.js');
  const audit = auditOf(runtime);
  await audit.record({ ...input, details: { ...input.details, by: 'cli' } });
}

async function runAuditTail(program: Command, options: { follow?: boolean; type: string[]; last: string }) {
  const last = Number(options.last);
  if (!Number.isInteger(last) || last < 1) throw new UserError('--last must be a whole number of events');
  await withAdminRuntime(program, 'http', async (runtime) => {
    const { readAudit } = await import('./security/audit.js');
    const show = (rows: Awaited<ReturnType<typeof readAudit>>) => {
      for (const row of rows) process.stdout.write(JSON.stringify({ ...row, details: JSON.parse(row.details) as unknown }) + '\n');
      return rows.at(-1)?.seq;
    };
    let seq = show(await readAudit(runtime.engine, { types: options.type, last }));
    while (options.follow) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      seq = show(await readAudit(runtime.engine, { types: options.type, afterSeq: seq ?? 0 })) ?? seq;
    }
  });
}

async function runAuditVerify(program: Command, options: { anchor?: string }) {
  const anchor = options.anchor === undefined ? undefined : await readAnchor(options.anchor);
  await withAdminRuntime(program, 'http', async (runtime) => {
    const { verifyAudit } = await import('./security/audit.js');
    const verdict = await verifyAudit(runtime, anchor);
    if (!verdict.intact) {
      process.stdout.write(`BROKEN at event #${verdict.seq} (${verdict.at}): ${verdict.reason}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(verdict.count ? `intact: ${verdict.count} events, #${verdict.firstSeq} to #${verdict.lastSeq}\n` : 'intact: no events yet\n');
    for (const note of verdict.notes) process.stdout.write(`${note}\n`);
  });
}

/** The last checkpoint in a file: one `{"audit_anchor": …}` object, or a whole JSON log. */
async function readAnchor(file: string) {
  const { lastAnchorIn } = await import('./security/audit-chain.js');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`--anchor: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const anchor = lastAnchorIn(text);
  if (!anchor) throw new UserError(`--anchor: ${file} holds no audit checkpoint (a line {"audit_anchor": {"seq", "mac", "at", "sig"}} from the JSON log of mcp-pa serve)`);
  return anchor;
}

async function runExport(program: Command, options: { output?: string; tenant: string }) {
  await withAdminRuntime(program, undefined, async (runtime) => {
    const data = await runtime.run('read', options.tenant, exportTenant);
    const json = JSON.stringify(data, null, 2) + '\n';
    if (options.output) {
      // The export holds every document in the clear: readable by its owner only.
      fs.writeFileSync(options.output, json, { mode: 0o600 });
      const counts = ['projects', 'tasks', 'todos', 'events', 'documents'].map((k) => `${(data[k as keyof TenantExport] as unknown[]).length} ${k}`);
      process.stderr.write(`mcp-pa: exported ${counts.join(', ')} to ${options.output}\n`);
    } else {
      process.stdout.write(json);
    }
  });
}

function readExport(file: string): TenantExport {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`import: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseExport(raw, file);
}

async function runImport(program: Command, file: string, options: { tenant: string; replace?: boolean }) {
  const data = readExport(file);
  await withAdminRuntime(program, undefined, async (runtime) => {
    await runtime.ensureTenant(options.tenant);
    const report = await runtime.run('write', options.tenant, (ctx) => importTenant(ctx, data, { replace: options.replace === true }));
    const skipped = report.embeddings_skipped ? ` (${report.embeddings_skipped} embeddings skipped: no vector search here)` : '';
    process.stdout.write(
      `imported ${report.projects} projects, ${report.tasks} tasks, ${report.todos} todos, ${report.events} events, ` +
        `${report.documents} documents and ${report.embeddings} embeddings${skipped}\n`,
    );
  });
}

interface AccountOptions extends AccountSelector {
  yes?: boolean;
  json?: boolean;
}

const selectorOf = ({ email, subject, id }: AccountOptions): AccountSelector => ({ email, subject, id });

async function runUserList(program: Command, options: AccountOptions) {
  await withAdminRuntime(program, 'http', async (runtime) => {
    const accounts = await listAccounts(runtime.engine);
    if (options.json) return void process.stdout.write(JSON.stringify(accounts, null, 2) + '\n');
    if (accounts.length === 0) return void process.stdout.write('no accounts yet\n');
    const rows = accounts.map((a) => [a.id, a.email ?? a.subject, a.issuer, a.created_at.slice(0, 10), a.disabled_at ? `disabled ${a.disabled_at.slice(0, 10)}` : 'active']);
    const header = ['id', 'email or subject', 'issuer', 'created', 'status'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
  });
}

/** A password typed at the terminal (not echoed). */
async function askPassword(question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const prompt = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Echo nothing of what is typed.
  (prompt as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(question)) process.stderr.write(question);
  };
  try {
    return await new Promise<string>((resolve) => prompt.question(question, resolve));
  } finally {
    process.stderr.write('\n');
    prompt.close();
  }
}

/** What a script pipes in: a line holding the password, or two (as `passwd` reads them) that must match. */
async function pipedPassword(command: string, nothingDone: string): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.length > 4 * MAX_PASSWORD_LENGTH) throw new UserError(`${command}: the input is too long for a password; ${nothingDone}.`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 2 && lines[0] !== lines[1]) throw new UserError(`${command}: the two passwords differ; ${nothingDone}.`);
  if (lines.length > 2) throw new UserError(`${command}: expected the password on one line (or twice, on two lines), got ${lines.length} lines; ${nothingDone}.`);
  return lines[0] ?? '';
}

/** A new password, checked: asked twice at a terminal, or read from stdin; `command` names who asks in errors. */
async function readNewPassword(question: string, command: string, nothingDone: string): Promise<string> {
  const password = process.stdin.isTTY ? await askPassword(question) : await pipedPassword(command, nothingDone);
  const problem = passwordProblem(password);
  if (problem) throw new UserError(`${command}: ${problem}; ${nothingDone}.`);
  if (process.stdin.isTTY && (await askPassword('The same password again: ')) !== password) throw new UserError(`${command}: the two passwords differ; ${nothingDone}.`);
  return password;
}

async function runUserAdd(program: Command, options: { email: string }) {
  const password = await readNewPassword('Password for the new account: ', 'user add', 'nothing was created');
  await withAdminRuntime(program, 'http', async (runtime) => {
    const account = await addLocalAccount(runtime.engine, options.email, await hashPassword(password));
    await adminEvent(runtime, { type: 'admin.user.added', actor: account.subject, details: { account: account.id } });
    process.stdout.write(`added ${account.email} (${account.id}): it signs in at the embedded authorization server\n`);
  });
}

async function runUserPassword(program: Command, options: AccountOptions) {
  const password = await readNewPassword('New password: ', 'user password', 'nothing was changed');
  await withAdminRuntime(program, 'http', async (runtime) => {
    const account = await selectAccount(runtime.engine, selectorOf(options));
    const revoked = await changePassword(runtime.engine, account, await hashPassword(password));
    await adminEvent(runtime, { type: 'admin.user.password_changed', actor: account.subject, details: { account: account.id, revoked } });
    process.stdout.write(`changed the password of ${account.email ?? account.subject} (${account.id}): its access tokens are refused from now on; ${revoked} grants, sessions and tokens revoked\n`);
  });
}

async function runUserDisable(program: Command, options: AccountOptions) {
  await withAdminRuntime(program, 'http', async (runtime) => {
    const account = await selectAccount(runtime.engine, selectorOf(options));
    const revoked = await disableAccount(runtime.engine, account);
    await adminEvent(runtime, { type: 'admin.user.disabled', actor: account.subject, details: { account: account.id, revoked } });
    process.stdout.write(`disabled ${account.email ?? account.subject} (${account.id}): its tokens are refused from now on; ${revoked} grants, sessions and tokens revoked\n`);
  });
}

/** Asks on the terminal; answers '' when there is none. */
async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) return '';
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(question)).trim();
  } finally {
    prompt.close();
  }
}

async function runUserDelete(program: Command, options: AccountOptions) {
  await withAdminRuntime(program, 'http', async (runtime) => {
    const account = await selectAccount(runtime.engine, selectorOf(options));
    const name = account.email ?? account.subject;
    if (!options.yes) {
      if (!process.stdin.isTTY) throw new UserError('user delete erases the account and all its data: pass --yes to confirm when not at a terminal.');
      const typed = await ask(`This erases ${name} (${account.id}) and ALL of its data, for good. Type ${name} to confirm: `);
      if (typed !== name) throw new UserError('not confirmed: nothing was deleted.');
    }
    await deleteAccount(runtime, account);
    await adminEvent(runtime, { type: 'admin.user.deleted', actor: account.subject, details: { account: account.id } });
    process.stdout.write(`deleted ${name} (${account.id}) and all of its data\n`);
  });
}

const program = new Command()
  .name('mcp-pa')
  .description('A personal-assistant MCP server: status, projects, tasks, todos, calendar and documents.')
  .version(SERVER_VERSION, '-V, --version', 'print the version and exit')
  .helpOption('-h, --help', 'show this help')
  .addOption(new Option('--config <file>', 'JSON configuration file (also MCP_PA_CONFIG)'))
  .addOption(new Option('--db-path <file>', 'SQLite database file (also MCP_PA_DB_PATH)'))
  .addOption(new Option('--docs-dir <dir>', 'directory for document files (also MCP_PA_DOCS_DIR)'))
  .addOption(new Option('--max-file-size-mb <mb>', 'largest document accepted, in MB (also MCP_PA_MAX_FILE_SIZE_MB; default 25)'))
  .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (also MCP_PA_LOG_LEVEL; default info)'))
  .showHelpAfterError('(run mcp-pa --help for the commands and options)')
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE))
  .addHelpText(
    'after',
    '\nLogs go to stderr; in stdio mode stdout carries only MCP messages.\nDocumentation: README.md and docs/ in the package.',
  );

// With no command, mcp-pa serves stdio; an unknown word is an error, not an argument to stdio.
program.allowExcessArguments(true).action(() => {
  if (program.args.length > 0) program.error(`error: unknown command '${program.args[0]}'`, { exitCode: EXIT_USAGE });
  return runStdio(program);
});

program
  .command('stdio')
  .description('run the local MCP server over stdin/stdout (the default command)')
  .action(() => runStdio(program));

program
  .command('serve')
  .description('run the MCP server over Streamable HTTP (HTTPS, OAuth 2.1 protected resource)')
  .action(() => runServe(program));

program
  .command('migrate')
  .description('apply pending database migrations and report what was applied')
  .action(() => runMigrate(program));

program
  .command('export')
  .description("write one tenant's data (all of it, documents included) as JSON")
  .option('-o, --output <file>', 'write to this file instead of stdout')
  .option('--tenant <id>', 'the tenant to export', LOCAL_TENANT)
  .action((options: { output?: string; tenant: string }) => runExport(program, options));

program
  .command('import')
  .description('load an export into a tenant (which must be empty, unless --replace)')
  .argument('<file>', 'a file written by mcp-pa export')
  .option('--tenant <id>', 'the tenant to load into', LOCAL_TENANT)
  .option('--replace', "delete the tenant's current data first")
  .action((file: string, options: { tenant: string; replace?: boolean }) => runImport(program, file, options));

async function runKeysRotate(program: Command) {
  await withAdminRuntime(program, 'http', async (runtime) => {
    const [{ keyEncryptionKey }, { loadSigningKeys, rotateSigningKeys }] = await Promise.all([import('./auth/key-encryption-key.js'), import('./auth/signing-keys.js')]);
    const kek = await keyEncryptionKey(runtime);
    await loadSigningKeys(runtime.engine, kek); // opens (or first creates) the current keys: a wrong key-encryption key stops here
    const { added, retiring } = await rotateSigningKeys(runtime.engine, kek, runtime.config.authentication.token_expiry);
    await adminEvent(runtime, { type: 'admin.keys.rotated', details: { added, retired: retiring.map((r) => r.kid) } });
    process.stdout.write(`new signing keys: ${added.join(', ')}\n`);
    for (const { kid, until } of retiring) process.stdout.write(`retired ${kid}: still verifies tokens until ${until}\n`);
    process.stdout.write('Running instances sign with the new keys within 30 seconds; no restart is needed.\n');
  });
}

const keys = program.command('keys').description("manage the embedded authorization server's signing keys");
keys
  .command('rotate')
  .description('add new signing keys; the old ones keep verifying until every token they signed has expired')
  .action(() => runKeysRotate(program));

/** `client add` as commander parses it: repeated --redirect-uri, the expiry as typed. */
type ClientAddOptions = Omit<NewClient, 'redirectUris' | 'secretExpiresInDays'> & { redirectUri: string[]; secretExpiresInDays?: string };

async function runClientAdd(program: Command, options: ClientAddOptions) {
  const days = options.secretExpiresInDays === undefined ? undefined : Number(options.secretExpiresInDays);
  if (days !== undefined && !(days > 0)) throw new UserError('--secret-expires-in-days must be a positive number of days');
  await withAdminRuntime(program, 'http', async (runtime) => {
    const { addClient } = await import('./auth/clients.js');
    const added = await addClient(runtime, { ...options, redirectUris: options.redirectUri, secretExpiresInDays: days });
    await adminEvent(runtime, { type: 'admin.client.added', clientId: added.clientId, details: { method: options.authMethod, owner: options.owner !== undefined } });
    process.stdout.write(`added client "${options.name}" (${options.authMethod})\nclient_id: ${added.clientId}\n`);
    if (added.secret) {
      process.stdout.write(`client_secret: ${added.secret}\n`);
      process.stdout.write(`The secret is shown this once: store it now. ${added.expiresAt ? `It stops working at ${new Date(added.expiresAt * 1000).toISOString()}.` : 'It does not expire.'}\n`);
    }
  });
}

async function runClientList(program: Command, options: { json?: boolean }) {
  await withAdminRuntime(program, 'http', async (runtime) => {
    const { listClients } = await import('./auth/clients.js');
    const clients = await listClients(runtime);
    if (options.json) return void process.stdout.write(JSON.stringify(clients, null, 2) + '\n');
    for (const c of clients) {
      const owner = c.owner ? `, acts for ${c.owner}` : '';
      const expiry = c.secret_expires_at ? `, secret until ${c.secret_expires_at}` : '';
      process.stdout.write(`${c.client_id}\t${c.client_name ?? '(no name)'}\t${c.token_endpoint_auth_method}\t${c.origin}${owner}${expiry}\n`);
    }
    if (clients.length === 0) process.stdout.write('no clients\n');
  });
}

async function runClientRemove(program: Command, clientId: string) {
  await withAdminRuntime(program, 'http', async (runtime) => {
    const { removeClient } = await import('./auth/clients.js');
    const removed = await removeClient(runtime, clientId);
    await adminEvent(runtime, { type: 'admin.client.removed', clientId, details: { records: removed } });
    process.stdout.write(`removed client ${clientId} (${removed} records: the client, its grants, refresh tokens and registration token); its access tokens stop working at once\n`);
  });
}

const clients = program.command('client').description('manage the OAuth clients of the embedded authorization server');
clients
  .command('add')
  .description('pre-register a confidential client (an agent or service that can keep a secret or a key)')
  .requiredOption('--name <name>', 'its name, shown on the consent page')
  .requiredOption('--auth-method <method>', 'client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth or self_signed_tls_client_auth')
  .option('--redirect-uri <uri>', 'where people are sent back after signing in (repeat for several)', (value: string, all: string[]) => [...all, value], [] as string[])
  .option('--jwks-file <file>', 'its public keys, a JSON Web Key Set (private_key_jwt; self_signed_tls_client_auth with x5c)')
  .option('--jwks-uri <url>', 'where it publishes its public keys (https)')
  .option('--tls-subject-dn <dn>', 'the subject of its certificate, e.g. "CN=billing-agent,O=Example" (tls_client_auth)')
  .option('--tls-san-dns <name>', 'or a DNS name its certificate carries (tls_client_auth)')
  .option('--owner <email>', 'the account it acts for on its own (the client_credentials grant)')
  .option('--scope <scopes>', 'the scopes it may have', 'pa:read pa:write')
  .option('--secret-expires-in-days <days>', 'the secret stops working after this many days (client_secret_*)')
  .action((options: ClientAddOptions) => runClientAdd(program, options));
clients
  .command('list')
  .description('list the clients: id, name, authentication method, how they came, owner (never secrets)')
  .option('--json', 'print JSON')
  .action((options: { json?: boolean }) => runClientList(program, options));
clients
  .command('remove')
  .description('remove a client, revoking its grants and refresh tokens')
  .argument('<client_id>', 'from mcp-pa client list')
  .action((clientId: string) => runClientRemove(program, clientId));

const audit = program.command('audit').description('read and check the audit trail of HTTP mode');
audit
  .command('tail')
  .description('print the latest events as JSON lines (emails and addresses appear as pseudonyms)')
  .option('--type <type>', 'only events of this type (repeat for several), e.g. login.failed', (value: string, all: string[]) => [...all, value], [] as string[])
  .option('--last <n>', 'how many of the latest events', '20')
  .option('--follow', 'keep printing new events as they are written (Ctrl-C to stop)')
  .action((options: { follow?: boolean; type: string[]; last: string }) => runAuditTail(program, options));
audit
  .command('verify')
  .description('check the MAC chain: every event, no gap, nothing removed before a recorded sweep; reports the first break (exit code 1)')
  .option('--anchor <file>', 'a checkpoint, or a JSON log holding checkpoints (the last is used): proves nothing up to it was removed or changed')
  .action((options: { anchor?: string }) => runAuditVerify(program, options));

const user = program.command('user').description('manage the accounts of HTTP mode (one per person; each has its own data)');
const withSelector = (command: Command) =>
  command
    .option('--email <email>', "the account's email")
    .option('--subject <subject>', 'the subject of its access tokens (external identity providers)')
    .option('--id <id>', "the account's id, from mcp-pa user list");
user
  .command('add')
  .description('add an account of the embedded authorization server (password from the terminal, or from stdin)')
  .requiredOption('--email <email>', 'its email, which it signs in with')
  .action((options: { email: string }) => runUserAdd(program, options));
user
  .command('list')
  .description('list the accounts: id, email or token subject, issuer, created, status')
  .option('--json', 'print JSON')
  .action((options: AccountOptions) => runUserList(program, options));
withSelector(user.command('password').description('set a new password (from the terminal, or from stdin); revokes the account\'s grants and tokens')).action((options: AccountOptions) =>
  runUserPassword(program, options),
);
withSelector(user.command('disable').description("refuse the account's tokens from now on and revoke its grants")).action((options: AccountOptions) =>
  runUserDisable(program, options),
);
withSelector(user.command('delete').description('erase the account and all of its data, after confirmation'))
  .option('--yes', 'confirm without asking (for scripts)')
  .action((options: AccountOptions) => runUserDelete(program, options));

program.parseAsync(process.argv).catch(fail);
