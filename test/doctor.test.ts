import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runDoctor, type CheckResult } from '../src/compose/doctor.js';
import { loadConfig } from '../src/config/load.js';
import { makeTestPki } from './helpers/certificates.js';
import { EmbeddingStandIn } from './helpers/embedding-stand-in.js';
import { adminQuery, engineEnv, rawSql } from './helpers/engines.js';
import { withConfigFile } from './helpers/http-server.js';
import { seedPgliteHome } from './helpers/pglite-template.js';
import { dataDir, runCli, tempHome, withServer } from './helpers/server.js';

/** The doctor's line for a check, parsed from its output: status and message. */
function lineOf(stdout: string, check: string): { status: string; message: string } {
  const found = stdout.split('\n').find((l) => l.slice(6).startsWith(`${check} `));
  assert.ok(found, `no line for ${check} in:\n${stdout}`);
  return { status: found.slice(0, 4).trim(), message: found.slice(6 + check.length).trim() };
}

const resultOf = (results: CheckResult[], check: string) => {
  const found = results.find((r) => r.check === check);
  assert.ok(found, `no ${check} in ${JSON.stringify(results)}`);
  return found;
};

describe('mcp-pa doctor, local mode', () => {
  test('on a new machine it reports no database yet, exits 0, and makes nothing', async () => {
    const home = tempHome('mcp-pa-doctor-');
    const { code, stdout } = await runCli(['doctor'], home);
    assert.equal(code, 0, stdout);
    assert.equal(lineOf(stdout, 'database').status, 'WARN');
    assert.match(lineOf(stdout, 'database').message, /no database yet/);
    assert.equal(fs.existsSync(dataDir(home)), false, 'the doctor made the data directory');
    assert.match(stdout, /\d+ ok, 1 warning, 0 failed/);
  });

  test('a working database: every check ok or not applicable; pending migrations are named', async () => {
    const home = tempHome('mcp-pa-doctor-');
    assert.equal((await runCli(['migrate'], home)).code, 0);
    const healthy = await runCli(['doctor'], home);
    assert.equal(healthy.code, 0, healthy.stdout);
    assert.doesNotMatch(healthy.stdout, /^(WARN|FAIL)/m);
    assert.match(lineOf(healthy.stdout, 'migrations').message, /current/);

    // As after an upgrade of mcp-pa, before its first start.
    await rawSql(home, 'DELETE FROM schema_migrations WHERE version >= 19', [], 'sqlite');
    const behind = await runCli(['doctor', '--json'], home);
    assert.equal(behind.code, 0);
    const migrations = resultOf((JSON.parse(behind.stdout) as { checks: CheckResult[] }).checks, 'migrations');
    assert.equal(migrations.status, 'warn');
    assert.match(migrations.message, /019 \(history\), 020 \(recall by meaning\)/);
    const after = await rawSql(home, 'SELECT count(*) AS n FROM schema_migrations', [], 'sqlite');
    assert.equal(Number(after[0]!.n), 17, 'the doctor applied migrations'); // 1 to 18, but for 13 (never released)
  });

  test('an encrypted database with the wrong key fails with the reason, exit code 1', async () => {
    const home = tempHome('mcp-pa-doctor-');
    assert.equal((await runCli(['migrate'], home, { MCP_PA_ENCRYPTION_KEY: 'the right passphrase' })).code, 0);
    const { code, stdout } = await runCli(['doctor'], home, { MCP_PA_ENCRYPTION_KEY: 'a wrong passphrase' });
    assert.equal(code, 1);
    assert.equal(lineOf(stdout, 'database').status, 'FAIL');
    assert.match(lineOf(stdout, 'database').message, /does not open the database/);
    assert.equal(lineOf(stdout, 'migrations').status, '--');
  });

  test('embedded PostgreSQL held by a running server: said, not failed, and left alone', async () => {
    const home = tempHome('mcp-pa-doctor-');
    const env = await engineEnv(home, 'pglite');
    await seedPgliteHome(home, env);
    await withServer({ home, env, binary: true }, async (server) => {
      await server.ok('get_current_time'); // the server opens its storage at the first request
      const { code, stdout } = await runCli(['doctor'], home, env);
      assert.equal(code, 0, stdout);
      assert.equal(lineOf(stdout, 'database').status, 'WARN', stdout);
      assert.match(lineOf(stdout, 'database').message, /in use by a running mcp-pa \(pid \d+\)/);
    });
  });

  test('an invalid configuration is one failed check, naming the key', async () => {
    const { home, args } = withConfigFile({ mode: 'http', authentication: { token_expiry: 99999 } });
    const { code, stdout } = await runCli([...args, 'doctor'], home);
    assert.equal(code, 1);
    assert.equal(lineOf(stdout, 'configuration').status, 'FAIL');
    assert.match(stdout, /authentication\.token_expiry/);
  });
});

describe('mcp-pa doctor, HTTP mode on a PostgreSQL server', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' }, () => {
  const KEK = 'a key-encryption key for the doctor test';

  test('keys, row-level security and the application role, then a wrong key and a role that owns a table', async () => {
    const home = tempHome('mcp-pa-doctor-pg-');
    const env: Record<string, string> = { ...(await engineEnv(home, 'postgres')), MCP_OAUTH_KEY_ENCRYPTION_KEY: KEK };
    assert.equal((await runCli(['migrate'], home, env)).code, 0);
    assert.equal((await runCli(['keys', 'rotate'], home, env)).code, 0);

    const healthy = await runCli(['doctor', '--serve'], home, env);
    assert.equal(healthy.code, 0, healthy.stdout);
    for (const check of ['database', 'migrations', 'row-level security', 'application role', 'key-encryption key', 'signing keys', 'clock'])
      assert.equal(lineOf(healthy.stdout, check).status, 'ok', `${check}:\n${healthy.stdout}`);
    assert.match(lineOf(healthy.stdout, 'signing keys').message, /ES256 and RS256 signing, 2 retired still verifying; all open/);
    // The tests connect as the superuser postgres: said, not failed.
    assert.equal(lineOf(healthy.stdout, 'login role').status, 'WARN');
    assert.doesNotMatch(healthy.stdout, /postgres:\/\//, 'the connection string is never printed');

    const wrongKey = await runCli(['doctor', '--serve'], home, { ...env, MCP_OAUTH_KEY_ENCRYPTION_KEY: 'not the key the keys were sealed with' });
    assert.equal(wrongKey.code, 1);
    assert.equal(lineOf(wrongKey.stdout, 'key-encryption key').status, 'FAIL');

    const noKey = await runCli(['doctor', '--serve'], home, { ...env, MCP_OAUTH_KEY_ENCRYPTION_KEY: '' });
    assert.equal(noKey.code, 1);
    assert.match(lineOf(noKey.stdout, 'key-encryption key').message, /not set: the embedded authorization server needs it/);

    await adminQuery(`ALTER TABLE todos OWNER TO ${env.MCP_DATABASE_APP_ROLE!}`, env.MCP_DATABASE_URL);
    const owner = await runCli(['doctor', '--serve'], home, env);
    assert.equal(owner.code, 1);
    assert.equal(lineOf(owner.stdout, 'application role').status, 'FAIL');
    assert.match(lineOf(owner.stdout, 'application role').message, /owns the tables/);
    assert.equal(lineOf(owner.stdout, 'row-level security').status, 'FAIL');
  });

  test("a clock far from the database's fails, a little off warns", async () => {
    const home = tempHome('mcp-pa-doctor-pg-');
    const env = { HOME: home, ...(await engineEnv(home, 'postgres')) };
    assert.equal((await runCli(['migrate'], home, env)).code, 0);
    const config = loadConfig({}, env);
    const off = (ms: number) => ({ now: () => Date.now() + ms });
    assert.equal(resultOf(await runDoctor(config, { clock: off(0) }), 'clock').status, 'ok');
    assert.equal(resultOf(await runDoctor(config, { clock: off(10_000) }), 'clock').status, 'warn');
    const far = resultOf(await runDoctor(config, { clock: off(-120_000) }), 'clock');
    assert.equal(far.status, 'fail');
    assert.match(far.message, /12\d\.\d s behind the database's clock/);
  });
});

describe('mcp-pa doctor: the certificate', () => {
  const pki = makeTestPki();
  // A certificate for 90 days, for localhost (the test PKI's last two days only).
  const dir = tempHome('mcp-pa-doctor-cert-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '90',
      '-subj',
      '/CN=localhost',
    ],
    { cwd: dir, stdio: 'ignore', env: { ...process.env, OPENSSL_CONF: '/dev/null' } },
  );
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const configWith = (server: Record<string, unknown>) => {
    const home = tempHome('mcp-pa-doctor-');
    const file = path.join(home, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ mode: 'http', server: { host: '127.0.0.1', ...server } }));
    return loadConfig({ config: file }, { HOME: home }, { serving: true });
  };
  const DAY = 86_400_000;
  const check = async (server: Record<string, unknown>, at = Date.now()) =>
    resultOf(await runDoctor(configWith(server), { clock: { now: () => at } }), 'TLS certificate');

  test('valid for long enough: ok with its end date; near its end: warn; past it: fail', async () => {
    const ok = await check({ tls_cert: cert, tls_key: key });
    assert.equal(ok.status, 'ok', ok.message);
    assert.match(ok.message, /CN=localhost, valid until \d{4}-\d\d-\d\d \((89|90) days\)/);
    assert.equal((await check({ tls_cert: cert, tls_key: key }, Date.now() + 80 * DAY)).status, 'warn');
    const expired = await check({ tls_cert: cert, tls_key: key }, Date.now() + 100 * DAY);
    assert.equal(expired.status, 'fail');
    assert.match(expired.message, /expired on/);
  });

  test('a key that is not the certificate’s, and a certificate for another host, fail', async () => {
    const mismatch = await check({ tls_cert: cert, tls_key: pki.serverKey });
    assert.equal(mismatch.status, 'fail');
    assert.match(mismatch.message, /is not the key of/);
    const otherHost = await check({ tls_cert: cert, tls_key: key, public_url: 'https://mcp.example.com' });
    assert.equal(otherHost.status, 'fail');
    assert.match(otherHost.message, /is not for mcp\.example\.com/);
  });
});

describe('mcp-pa doctor: the embeddings provider', () => {
  const standIn = EmbeddingStandIn.start({ dimensions: 64 });
  after(async () => (await standIn).close());

  test('answering: ok with the vector size; down: fail with its status; settings missing: fail naming them', async () => {
    const provider = await standIn;
    const { home, args } = withConfigFile({ features: { vector_search: true } });
    const flags = { config: args[1]! };
    const env = { HOME: home, MCP_PA_EMBEDDINGS_URL: provider.url, MCP_PA_EMBEDDINGS_MODEL: 'stand-in' };
    const up = resultOf(await runDoctor(loadConfig(flags, env)), 'embeddings');
    assert.equal(up.status, 'ok', up.message);
    assert.match(up.message, /stand-in answered with 64 numbers/);
    provider.down = true;
    const down = resultOf(await runDoctor(loadConfig(flags, env)), 'embeddings');
    assert.equal(down.status, 'fail');
    assert.match(down.message, /answered 503/);
    provider.down = false;
    const missing = resultOf(await runDoctor(loadConfig(flags, { HOME: home })), 'embeddings');
    assert.equal(missing.status, 'fail');
    assert.match(missing.message, /MCP_PA_EMBEDDINGS_URL/);
  });
});
