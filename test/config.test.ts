import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { seedHttpHome } from './helpers/pglite-template.js';
import { dataDir, runBinary, runCli, tempHome, withServer } from './helpers/server.js';

const writeJson = (home: string, name: string, value: unknown) => {
  const file = path.join(home, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

// The binary itself, as a shell runs it: what it prints and the exit codes the shell sees.
describe('command line', () => {
  it('--version prints the package version and --help the commands', async () => {
    const home = tempHome();
    const version = await runBinary(['--version'], home);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
    const help = await runBinary(['--help'], home);
    assert.equal(help.code, 0);
    for (const word of ['stdio', 'migrate', '--config', '--db-path', 'MCP_PA_DB_PATH']) assert.ok(help.stdout.includes(word), word);
  });

  it('refuses an unknown command or option with exit code 2', async () => {
    const home = tempHome();
    const command = await runBinary(['frobnicate'], home);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command 'frobnicate'/);
    const option = await runBinary(['--frobnicate'], home);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option '--frobnicate'/);
  });

  // A command that opens the database exits by itself once done (nothing left open keeps it alive).
  it('migrate applies the schema once, then reports it is up to date', async () => {
    const home = tempHome();
    const first = await runBinary(['migrate'], home);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied migration 1 \(initial schema\)/);
    const second = await runBinary(['migrate'], home);
    assert.match(second.stdout, /up to date/);
  });
});

describe('configuration', () => {
  it('names every invalid value and its source, and exits with 2', async () => {
    const home = tempHome();
    const result = await runCli([], home, { MCP_PA_MAX_FILE_SIZE_MB: 'lots', MCP_PA_LOG_LEVEL: 'chatty', MCP_PA_ENCRYPTION_KEY: 'short' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /MCP_PA_MAX_FILE_SIZE_MB: must be a number of megabytes from 1 to 512 \(got "lots"\)/);
    assert.match(result.stderr, /MCP_PA_LOG_LEVEL: must be one of: fatal, error, warn, info, debug, trace, silent/);
    assert.match(result.stderr, /MCP_PA_ENCRYPTION_KEY: must be a passphrase of at least 12 characters\n/);
    assert.doesNotMatch(result.stderr, /short/, 'a secret is never echoed');
    assert.equal(fs.existsSync(dataDir(home)), false, 'nothing is created');

    const flag = await runCli(['--max-file-size-mb', '0'], home);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--max-file-size-mb: must be a number of megabytes from 1 to 512 \(got 0\)/);
  });

  it('refuses unknown keys, bad JSON, a missing file and values the MCP rules forbid', async () => {
    const home = tempHome();
    const typo = writeJson(home, 'typo.json', { database: { paht: '/tmp/x' } });
    assert.match((await runCli(['--config', typo], home)).stderr, /database\.paht in .*typo\.json: unknown key/);
    const broken = writeJson(home, 'broken.json', '{ "mode": ');
    const brokenRun = await runCli(['--config', broken], home);
    assert.equal(brokenRun.code, 2);
    assert.match(brokenRun.stderr, /is not valid JSON/);
    assert.match((await runCli(['--config', path.join(home, 'absent.json')], home)).stderr, /absent\.json: it does not exist/);
    const unsafe = writeJson(home, 'unsafe.json', { authentication: { token_expiry: 7200, pkce_required: false } });
    const unsafeRun = await runCli([], home, { MCP_PA_CONFIG: unsafe });
    assert.equal(unsafeRun.code, 2);
    assert.match(unsafeRun.stderr, /authentication\.token_expiry in .*: must be at most 3600 seconds/);
    assert.match(unsafeRun.stderr, /authentication\.pkce_required in .*: must be true/);
    // Fetching client-named URLs from private networks is for a development server on loopback only.
    const exposed = await runCli(['serve'], home, { MCP_OAUTH_ALLOW_PRIVATE_FETCH: 'true', MCP_HOST: '0.0.0.0' });
    assert.equal(exposed.code, 2);
    assert.match(exposed.stderr, /MCP_OAUTH_ALLOW_PRIVATE_FETCH: may be true only when the server binds a loopback address/);
    const notBoolean = await runCli(['serve'], home, { MCP_OAUTH_ALLOW_PRIVATE_FETCH: 'sometimes' });
    assert.match(notBoolean.stderr, /MCP_OAUTH_ALLOW_PRIVATE_FETCH: must be true or false/);
  });

  it('accepts the local shape of the architecture as written, with ~ expanded', async () => {
    const home = tempHome();
    const file = writeJson(home, 'local.json', {
      mode: 'local',
      transport: 'stdio',
      database: { type: 'sqlite', path: '~/.config/mcp-pa/database.sqlite' },
      authentication: { enabled: false },
      features: { vector_search: false, multi_tenant: false },
    });
    await withServer({ home, args: ['--config', file], binary: true }, (server) => server.ok('create_todo', { title: 'configured' }));
    assert.ok(fs.existsSync(path.join(home, '.config', 'mcp-pa', 'database.sqlite')));
  });

  it('reads the HTTP shape as written, and says stdio does not serve it', async () => {
    const home = tempHome();
    const file = writeJson(home, 'http.json', {
      mode: 'http',
      transport: 'https',
      server: { host: '0.0.0.0', port: 8000, tls_required: true },
      database: { type: 'postgresql', connection_string: 'postgresql://...', pool_size: 10 },
      authentication: {
        enabled: true,
        oauth_version: '2.1',
        pkce_required: true,
        client_auth_methods: ['private_key_jwt', 'tls_client_auth', 'client_secret_basic'],
        token_expiry: 3600,
      },
      features: { vector_search: true, multi_tenant: true, dynamic_client_registration: true },
    });
    const result = await runCli(['stdio', '--config', file], home);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /HTTP mode/);
    assert.doesNotMatch(result.stderr, /unknown key/);
  });

  it('layers defaults < file < environment < flags', async () => {
    const home = tempHome();
    const at = (name: string) => path.join(home, name, 'db.sqlite');
    const file = writeJson(home, 'layers.json', { database: { path: at('from-file') } });
    const run = (env: Record<string, string>, args: string[]) =>
      withServer({ home, env: { MCP_PA_CONFIG: file, ...env }, args, binary: true }, async () => undefined);
    await run({}, []);
    assert.ok(fs.existsSync(at('from-file')));
    await run({ MCP_PA_DB_PATH: at('from-env') }, []);
    assert.ok(fs.existsSync(at('from-env')));
    await run({ MCP_PA_DB_PATH: at('from-env-2') }, ['--db-path', at('from-flag')]);
    assert.ok(fs.existsSync(at('from-flag')));
    assert.equal(fs.existsSync(at('from-env-2')), false);
  });

  it('documents go where MCP_PA_DOCS_DIR says', async () => {
    const home = tempHome();
    const docs = path.join(home, 'my-docs');
    const doc = await withServer({ home, env: { MCP_PA_DOCS_DIR: docs } }, (server) =>
      server.ok<{ id: string }>('upload_document', { title: 'x', content_base64: 'eHl6' }),
    );
    assert.deepEqual(fs.readdirSync(docs), [`${doc.id}.bin`]);
  });
});

describe('every key does what it says', () => {
  it('refuses a key of the Python version, naming the key that replaced it', async () => {
    const home = tempHome();
    const file = writeJson(home, 'python.json', {
      database: { encryption_key: 'a passphrase that is long enough' },
      server: { tls_cert_path: '/etc/cert.pem', cors_origins: ['https://app.example.com'] },
      multi_tenancy: true,
    });
    const result = await runCli(['--config', file], home);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /database\.encryption_key in .*python\.json: .*use encryption\.key \(or MCP_PA_ENCRYPTION_KEY\)/);
    assert.match(result.stderr, /server\.tls_cert_path in .*: .*use server\.tls_cert/);
    assert.match(result.stderr, /server\.cors_origins in .*: .*use server\.allowed_origins/);
    assert.match(result.stderr, /multi_tenancy in .*: .*use features\.multi_tenant/);
    assert.doesNotMatch(result.stderr, /long enough/, 'a secret is never echoed');
  });

  it('refuses a transport that is not the mode’s, naming both', async () => {
    const home = tempHome();
    const env = { MCP_PORT: '0' };
    const stdioOverHttp = await runCli(['serve', '--config', writeJson(home, 'a.json', { transport: 'stdio' })], home, env);
    assert.equal(stdioOverHttp.code, 2);
    assert.match(stdioOverHttp.stderr, /transport in .*a\.json: "stdio" is local mode's, but mode is "http"/);
    const httpsLocally = await runCli(['stdio', '--config', writeJson(home, 'b.json', { transport: 'https' })], home);
    assert.equal(httpsLocally.code, 2);
    assert.match(httpsLocally.stderr, /transport in .*b\.json: "https" is HTTP mode's, but mode is "local"/);
    // "https" promises TLS: mcp-pa's own certificate, or a TLS-terminating proxy in front.
    const httpsInClear = await runCli(['serve', '--config', writeJson(home, 'c.json', { transport: 'https' })], home, env);
    assert.equal(httpsInClear.code, 2);
    assert.match(httpsInClear.stderr, /transport in .*c\.json: "https", but nothing here serves TLS: .*server\.tls_cert/);
    const httpWithCertificate = await runCli(['serve', '--config', writeJson(home, 'd.json', { transport: 'http' })], home, {
      ...env,
      MCP_TLS_CERT: path.join(home, 'cert.pem'),
      MCP_TLS_KEY: path.join(home, 'key.pem'),
    });
    assert.equal(httpWithCertificate.code, 2);
    assert.match(httpWithCertificate.stderr, /transport in .*d\.json: "http" is plain HTTP, but MCP_TLS_CERT is set/);
  });

  it('features.vector_search: true without a provider is served, and the log names the missing settings', async () => {
    const home = tempHome();
    const file = writeJson(home, 'vectors.json', { features: { vector_search: true } });
    const stderr = await withServer({ home, binary: true, args: ['--config', file] }, async (server) => {
      await server.ok('create_todo', { title: 'still served' });
      return server.stderr.join('');
    });
    assert.match(
      stderr,
      /features\.vector_search is true but embeddings\.url \(MCP_PA_EMBEDDINGS_URL\) and embeddings\.model \(MCP_PA_EMBEDDINGS_MODEL\) is not set/,
    );
  });

  it('embeddings settings: a bad URL or model name is refused naming its source, a key over plain http to another host too, and the key is never echoed', async () => {
    const home = tempHome();
    const bad = await runCli([], home, { MCP_PA_EMBEDDINGS_URL: 'ftp://models.example.com', MCP_PA_EMBEDDINGS_MODEL: 'bad name; drop' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /MCP_PA_EMBEDDINGS_URL: must be an http\(s\) URL such as http:\/\/127\.0\.0\.1:11434\/v1/);
    assert.match(bad.stderr, /MCP_PA_EMBEDDINGS_MODEL: must be a model name/);
    const clear = await runCli([], home, { MCP_PA_EMBEDDINGS_URL: 'http://models.example.com/v1', MCP_PA_EMBEDDINGS_API_KEY: 'sk-do-not-print' });
    assert.equal(clear.code, 2);
    assert.match(clear.stderr, /must be https:\/\/ when embeddings\.api_key is set/);
    const file = writeJson(home, 'key.json', { embeddings: { api_key: '' } });
    const empty = await runCli(['--config', file], home, {});
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /embeddings\.api_key in .*key\.json: /);
    assert.doesNotMatch(clear.stderr + empty.stderr, /sk-do-not-print|got ""/, 'a key is never echoed');
    // Over plain http to this machine (a local Ollama) the key is fine.
    const local = await runCli(['migrate'], home, { MCP_PA_EMBEDDINGS_URL: 'http://127.0.0.1:11434/v1', MCP_PA_EMBEDDINGS_API_KEY: 'sk-local' });
    assert.equal(local.code, 0, local.stderr);
  });

  it('features.multi_tenant: false allows one account: user add refuses a second, serve refuses a database with two', async () => {
    const home = tempHome();
    await seedHttpHome(home, {});
    const single = writeJson(home, 'single.json', { features: { multi_tenant: false } });
    const add = (email: string, args: string[] = []) => runCli([...args, 'user', 'add', '--email', email], home, {}, 'a long enough passphrase\n');
    const first = await add('ada@example.com', ['--config', single]);
    assert.equal(first.code, 0, first.stderr);
    const second = await add('bob@example.com', ['--config', single]);
    assert.equal(second.code, 2);
    assert.match(second.stderr, /user add: features\.multi_tenant is false, which allows one account, and ada@example\.com has it; nothing was created/);
    assert.doesNotMatch((await runCli(['user', 'list'], home)).stdout, /bob@example\.com/);
    // Unset, it limits nothing (as before the key had a meaning).
    const unlimited = await add('bob@example.com');
    assert.equal(unlimited.code, 0, unlimited.stderr);
    const serve = await runCli(['serve', '--config', single], home, { MCP_PORT: '0' });
    assert.equal(serve.code, 2);
    assert.match(serve.stderr, /features\.multi_tenant is false, which allows one account, but the database holds 2/);
  });
});
