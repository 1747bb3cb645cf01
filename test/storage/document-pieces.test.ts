import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { BLOB_PIECE_BYTES } from '../../src/storage/blob-store.js';
import { migrate } from '../../src/storage/migrations/index.js';
import { PGLITE_BYTEA, PgliteDialect } from '../../src/storage/pglite-dialect.js';
import { ENGINE, engineEnv, rawSql } from '../helpers/engines.js';
import { seedPgliteHome } from '../helpers/pglite-template.js';
import { runCli, tempHome, withServer, type TestServer } from '../helpers/server.js';

interface Content {
  encoding: string;
  content_base64: string | null;
}

/** Three and a half pieces of random bytes: several rows on PostgreSQL, and a last one cut short. */
const BIG = crypto.randomBytes(Math.floor(3.5 * BLOB_PIECE_BYTES));
const KEY = 'a long enough passphrase for the pieces test';

async function readBack(server: TestServer, id: string): Promise<Buffer> {
  const content = await server.ok<Content>('read_document', { document_id: id });
  assert.equal(content.encoding, 'base64');
  return Buffer.from(content.content_base64!, 'base64');
}

async function homeOn(extra: Record<string, string> = {}): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = tempHome();
  return { dir, env: { MCP_PA_MAX_FILE_SIZE_MB: '8', ...(await engineEnv(dir, ENGINE)), ...extra } };
}

describe(`document bytes in pieces (${ENGINE})`, () => {
  for (const keyed of [false, true]) {
    it(`a document of several pieces round-trips byte-exact through upload, read and export/import${keyed ? ', encrypted at rest' : ''}`, async () => {
      const source = await homeOn(keyed ? { MCP_PA_ENCRYPTION_KEY: KEY } : {});
      const id = await withServer({ home: source.dir, env: source.env }, async (server) => {
        const doc = await server.ok<{ id: string; size_bytes: number }>('upload_document', {
          title: 'big',
          filename: 'big.bin',
          mime_type: 'application/octet-stream',
          content_base64: BIG.toString('base64'),
        });
        assert.equal(doc.size_bytes, BIG.length);
        assert.ok((await readBack(server, doc.id)).equals(BIG), 'read back as uploaded');
        return doc.id;
      });
      if (ENGINE !== 'sqlite') {
        const rows = await rawSql(source.dir, 'SELECT seq, octet_length(bytes) AS n FROM document_blob_chunks WHERE document_id = $1 ORDER BY seq', [id]);
        assert.deepEqual(
          rows.map((r) => Number(r.seq)),
          [0, 1, 2, 3],
          'one row per piece',
        );
        assert.ok(
          rows.every((r) => Number(r.n) <= BLOB_PIECE_BYTES),
          'no row holds more than a piece',
        );
      }
      const file = path.join(source.dir, 'export.json');
      const exported = await runCli(['export', '--output', file], source.dir, source.env);
      assert.equal(exported.code, 0, exported.stderr);
      const target = await homeOn(keyed ? { MCP_PA_ENCRYPTION_KEY: KEY } : {});
      await seedPgliteHome(target.dir, target.env);
      const imported = await runCli(['import', file], target.dir, target.env);
      assert.equal(imported.code, 0, imported.stderr);
      await withServer({ home: target.dir, env: target.env }, async (server) => {
        assert.ok((await readBack(server, id)).equals(BIG), 'read back after export and import');
      });
      if (ENGINE === 'sqlite') return;
      // Two pieces swapped in the database: refused (the checksum, and with a key the GCM tag), not served.
      for (const [from, to] of [
        [1, -1],
        [2, 1],
        [-1, 2],
      ]) {
        await rawSql(source.dir, 'UPDATE document_blob_chunks SET seq = $1 WHERE document_id = $2 AND seq = $3', [to, id, from]);
      }
      await withServer({ home: source.dir, env: source.env }, async (server) => {
        const refused = await server.fails('read_document', { document_id: id });
        assert.match(refused, keyed ? /cannot be read or decrypted/ : /no longer match their checksum/);
      });
    });
  }

  it(
    'a document stored whole by the previous version (document_blobs) still reads after migration 015',
    { skip: ENGINE === 'sqlite' && 'SQLite keeps files' },
    async () => {
      const home = await homeOn();
      const db = await olderDatabase(home.dir, home.env);
      const id = crypto.randomUUID();
      const empty = crypto.randomUUID();
      try {
        await migrate(db, 'postgresql', { upTo: 14, appRole: home.env.MCP_DATABASE_APP_ROLE });
        const now = new Date().toISOString();
        // As the owner, the way version 14 stored bytes: one row per document.
        await sql`INSERT INTO tenants (id, created_at) VALUES ('local', ${now}) ON CONFLICT DO NOTHING`.execute(db);
        for (const [doc, bytes] of [
          [id, BIG],
          [empty, Buffer.alloc(0)],
        ] as const) {
          await sql`INSERT INTO documents (tenant_id, id, title, source, category, mime_type, filename, size_bytes, sha256, encrypted, created_at, updated_at)
          VALUES ('local', ${doc}, 'older', 'upload', 'other', 'application/octet-stream', 'older.bin', ${bytes.length},
                  ${crypto.createHash('sha256').update(bytes).digest('hex')}, 0, ${now}, ${now})`.execute(db);
          await sql`INSERT INTO document_blobs (tenant_id, document_id, bytes) VALUES ('local', ${doc}, ${bytes})`.execute(db);
        }
      } finally {
        await db.destroy();
      }
      await withServer({ home: home.dir, env: home.env }, async (server) => {
        assert.ok((await readBack(server, id)).equals(BIG), 'the older document reads byte-exact');
        assert.equal((await readBack(server, empty)).length, 0, 'an empty older document reads empty');
      });
      const tables = await rawSql(home.dir, "SELECT count(*) AS n FROM pg_class WHERE relname = 'document_blobs'");
      assert.equal(Number(tables[0]!.n), 0, 'the old table is gone');
      const pieces = await rawSql(home.dir, 'SELECT count(*) AS n FROM document_blob_chunks WHERE document_id = $1', [id]);
      assert.equal(Number(pieces[0]!.n), 4);
    },
  );
});

/** The database a server in `home` would open, as a Kysely the test migrates itself. */
async function olderDatabase(home: string, env: Record<string, string>): Promise<Kysely<unknown>> {
  if (ENGINE === 'pglite') {
    const dir = path.join(home, '.config', 'mcp-pa', 'pgdata');
    fs.mkdirSync(dir, { recursive: true });
    const pglite = await PGlite.create(dir, { extensions: { vector }, ...PGLITE_BYTEA });
    return new Kysely({ dialect: new PgliteDialect(pglite) });
  }
  return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: env.MCP_DATABASE_URL, max: 1 }) }) });
}
