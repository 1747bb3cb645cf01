import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import * as tar from 'tar';
import { engineEnv, type EngineName } from './helpers/engines.js';
import { seedPgliteHome } from './helpers/pglite-template.js';
import type { TestServer } from './helpers/server.js';
import { dataDir, runCli, tempHome, withServer } from './helpers/server.js';

const MARKER = 'Zanzibar-quokka';

async function home(engine: EngineName, extra: Record<string, string> = {}) {
  const dir = tempHome('mcp-pa-backup-');
  const env = { ...(await engineEnv(dir, engine)), ...extra };
  await seedPgliteHome(dir, env);
  return { dir, env };
}

async function seed(server: TestServer) {
  const todo = await server.ok<{ id: string }>('create_todo', { title: `Feed the ${MARKER}`, tags: ['zoo'] });
  const doc = await server.ok<{ id: string }>('upload_document', {
    title: 'Care sheet',
    filename: 'care.md',
    content_base64: Buffer.from(`# ${MARKER}\nLeaves at noon.\n`).toString('base64'),
  });
  await server.ok('attach_document', { document_id: doc.id, kind: 'todo', id: todo.id });
  await server.ok('create_calendar_event', { title: 'Vet', start_time: '2031-04-05T10:00', end_time: '2031-04-05T10:30' });
}

async function exportOf(h: { dir: string; env: Record<string, string> }): Promise<Record<string, unknown>> {
  const file = path.join(h.dir, `export-${fs.readdirSync(h.dir).length}.json`);
  const result = await runCli(['export', '--output', file], h.dir, h.env);
  assert.equal(result.code, 0, result.stderr);
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete data.exported_at;
  return data;
}

const backupFile = (h: { dir: string }, name = 'backup.tgz') => path.join(h.dir, name);

describe('mcp-pa backup and restore: SQLite', () => {
  const KEY = { MCP_PA_ENCRYPTION_KEY: 'a passphrase for the backup test' };

  it('a backup taken while the server runs restores to the same data, still encrypted, and a wrong key changes nothing', async () => {
    const source = await home('sqlite', KEY);
    const file = backupFile(source);
    await withServer({ home: source.dir, env: source.env, engine: false, binary: true }, async (server) => {
      await seed(server);
      const made = await runCli(['backup', file], source.dir, source.env);
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /backed up the database and 1 document files/);
      assert.match(made.stdout, /the same MCP_PA_ENCRYPTION_KEY/);
      // While it runs, the server's database cannot be restored over.
      const busy = await runCli(['restore', '--replace', file], source.dir, source.env);
      assert.equal(busy.code, 2);
      assert.match(busy.stderr, /in use by a running mcp-pa/);
    });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the backup is readable by its owner only');
    const unpacked = zlib.gunzipSync(fs.readFileSync(file));
    assert.equal(unpacked.includes(Buffer.from(MARKER)), false, 'plaintext in an encrypted backup');

    const wrongKey = await home('sqlite', { MCP_PA_ENCRYPTION_KEY: 'not the passphrase' });
    const refused = await runCli(['restore', file], wrongKey.dir, wrongKey.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /the backup's database does not open with this configuration: MCP_PA_ENCRYPTION_KEY does not open/);
    assert.deepEqual(fs.existsSync(dataDir(wrongKey.dir)) ? fs.readdirSync(dataDir(wrongKey.dir)) : [], [], 'a refused restore left files behind');

    const target = await home('sqlite', KEY);
    const restored = await runCli(['restore', file], target.dir, target.env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await exportOf(target), await exportOf(source));
    await withServer({ home: target.dir, env: target.env, engine: false }, async (server) => {
      const found = await server.ok<{ results: { title: string }[] }>('search', { query: MARKER });
      assert.ok(found.results.some((i) => i.title === `Feed the ${MARKER}`));
    });
  });

  it('writes acknowledged before the backup began are all in it, with writes going on during it', async () => {
    const source = await home('sqlite');
    const file = backupFile(source);
    await withServer({ home: source.dir, env: source.env, engine: false, binary: true }, async (server) => {
      const acknowledged: string[] = [];
      for (let i = 0; i < 20; i++) acknowledged.push((await server.ok<{ title: string }>('create_todo', { title: `before ${i}` })).title);
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) await server.ok('create_todo', { title: `during ${i}` });
      })();
      const made = await runCli(['backup', file], source.dir, source.env);
      writing = false;
      await writer;
      assert.equal(made.code, 0, made.stderr);
      const target = await home('sqlite');
      assert.equal((await runCli(['restore', file], target.dir, target.env)).code, 0);
      const titles = ((await exportOf(target)).todos as { title: string }[]).map((t) => t.title);
      for (const title of acknowledged) assert.ok(titles.includes(title), `${title} is missing from the backup`);
      const check = await runCli(['doctor'], target.dir, target.env);
      assert.equal(check.code, 0, check.stdout);
    });
  });

  it('an existing database is set aside, not overwritten, with --replace', async () => {
    const source = await home('sqlite');
    await withServer({ home: source.dir, env: source.env, engine: false }, seed);
    const file = backupFile(source);
    assert.equal((await runCli(['backup', file], source.dir, source.env)).code, 0);
    const target = await home('sqlite');
    await withServer({ home: target.dir, env: target.env, engine: false }, (s) => s.ok('create_todo', { title: 'mine before the restore' }));
    const refused = await runCli(['restore', file], target.dir, target.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already holds a database: add --replace/);
    const replaced = await runCli(['restore', '--replace', file], target.dir, target.env);
    assert.equal(replaced.code, 0, replaced.stderr);
    const aside = /the database that was there is in (\S+)/.exec(replaced.stdout)?.[1];
    assert.ok(aside && fs.existsSync(path.join(aside, 'database.sqlite')));
    assert.deepEqual(await exportOf(target), await exportOf(source));
  });

  it('an archive that is not a backup, or holds a link, is refused and nothing is written', async () => {
    const target = await home('sqlite');
    const bogus = path.join(target.dir, 'bogus.tgz');
    fs.writeFileSync(bogus, 'not a tar file');
    const notTar = await runCli(['restore', bogus], target.dir, target.env);
    assert.equal(notTar.code, 2);
    assert.match(notTar.stderr, /is not an mcp-pa backup/);

    const staging = tempHome('mcp-pa-evil-');
    fs.writeFileSync(
      path.join(staging, 'manifest.json'),
      JSON.stringify({ format: 'mcp-pa backup', version: 1, engine: 'sqlite', schema_version: 20, key_encryption_key: { source: 'none', included: false } }),
    );
    fs.symlinkSync('/etc/passwd', path.join(staging, 'database.sqlite'));
    const evil = path.join(target.dir, 'evil.tgz');
    await tar.c({ gzip: true, file: evil, cwd: staging }, ['manifest.json', 'database.sqlite']);
    const linked = await runCli(['restore', evil], target.dir, target.env);
    assert.equal(linked.code, 2);
    assert.match(linked.stderr, /the backup holds no database/);
    assert.doesNotMatch(linked.stderr, /root:/);
    assert.equal(fs.existsSync(path.join(dataDir(target.dir), 'database.sqlite')), false);
  });
});

describe('mcp-pa backup and restore: the key-encryption key', () => {
  const HTTP_ON_SQLITE = { MCP_DATABASE_TYPE: 'sqlite' };

  it('left out by default: restoring without it fails clearly; with --key-file or --include-key the signing keys open', async () => {
    const source = await home('sqlite', HTTP_ON_SQLITE);
    assert.equal((await runCli(['keys', 'rotate'], source.dir, source.env)).code, 0);
    const keyFile = path.join(dataDir(source.dir), 'oauth-signing-keys.kek');
    const file = backupFile(source);
    const made = await runCli(['backup', file], source.dir, source.env);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /the key-encryption key, which is NOT in the backup/);

    const bare = await home('sqlite', HTTP_ON_SQLITE);
    const refused = await runCli(['restore', file], bare.dir, bare.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /does not hold its key-encryption key, and without it the signing keys, sealed secrets and audit trail cannot be opened/);
    assert.equal(fs.existsSync(path.join(dataDir(bare.dir), 'database.sqlite')), false, 'a refused restore wrote the database');

    const other = await home('sqlite', HTTP_ON_SQLITE);
    assert.equal((await runCli(['keys', 'rotate'], other.dir, other.env)).code, 0);
    const wrong = await runCli(['restore', '--key-file', path.join(dataDir(other.dir), 'oauth-signing-keys.kek'), file], bare.dir, bare.env);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /is not the key-encryption key this backup was made with/);

    const given = await runCli(['restore', '--key-file', keyFile, file], bare.dir, bare.env);
    assert.equal(given.code, 0, given.stderr);
    const doctor = await runCli(['doctor', '--serve'], bare.dir, bare.env);
    assert.match(doctor.stdout, /^ok {4}signing keys +ES256 and RS256 signing, 2 retired still verifying; all open/m);

    const included = backupFile(source, 'with-key.tgz');
    const withKey = await runCli(['backup', '--include-key', included], source.dir, source.env);
    assert.equal(withKey.code, 0);
    assert.match(withKey.stderr, /the backup holds the key-encryption key/);
    const elsewhere = await home('sqlite', HTTP_ON_SQLITE);
    assert.equal((await runCli(['restore', included], elsewhere.dir, elsewhere.env)).code, 0);
    assert.deepEqual(fs.readFileSync(path.join(dataDir(elsewhere.dir), 'oauth-signing-keys.kek')), fs.readFileSync(keyFile));
  });
});

describe('mcp-pa backup and restore: embedded PostgreSQL and a server', () => {
  it('PGlite: backed up while no server runs (refused while one does), restored to the same data', async () => {
    const source = await home('pglite');
    const file = backupFile(source);
    await withServer({ home: source.dir, env: source.env, binary: true }, async (server) => {
      await seed(server);
      const busy = await runCli(['backup', file], source.dir, source.env);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /in use by another mcp-pa process/);
    });
    const made = await runCli(['backup', file], source.dir, source.env);
    assert.equal(made.code, 0, made.stderr);
    const target = await home('pglite');
    fs.rmSync(path.join(dataDir(target.dir), 'pgdata'), { recursive: true });
    const restored = await runCli(['restore', file], target.dir, target.env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await exportOf(target), await exportOf(source));
  });

  it('a PostgreSQL server is refused, naming its own tools', async () => {
    const h = tempHome('mcp-pa-backup-');
    const env = { MCP_DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' };
    const made = await runCli(['backup', path.join(h, 'b.tgz')], h, env);
    assert.equal(made.code, 2);
    assert.match(made.stderr, /pg_dump/);
    const restored = await runCli(['restore', path.join(h, 'b.tgz')], h, env);
    assert.equal(restored.code, 2);
    assert.match(restored.stderr, /pg_restore/);
  });
});
