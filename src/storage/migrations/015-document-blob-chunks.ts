import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';
import { forceRowSecurity } from './row-security.js';

/** The piece size existing documents are cut into here; reads accept pieces of any size. */
const PIECE_BYTES = 1024 * 1024;

/**
 * Document bytes in pieces, one row each, instead of one bytea row per document: writing a piece
 * is one small bind message, so a big upload no longer makes node-postgres build (and PGlite copy)
 * a message as large as the whole file. Existing rows are cut up in SQL and document_blobs is
 * dropped. SQLite keeps its files: nothing to do there.
 */
export const documentBlobChunks: Migration = {
  version: 15,
  name: 'document bytes in pieces',
  async up(db, dialect) {
    if (dialect !== 'postgresql') return;
    const text = keyType(dialect);
    await sql`CREATE TABLE document_blob_chunks (
      tenant_id ${text} NOT NULL,
      document_id ${text} NOT NULL,
      seq integer NOT NULL,
      bytes bytea NOT NULL,
      CONSTRAINT document_blob_chunks_pk PRIMARY KEY (tenant_id, document_id, seq),
      CONSTRAINT document_blob_chunks_document_fk FOREIGN KEY (tenant_id, document_id)
        REFERENCES documents (tenant_id, id) ON DELETE CASCADE
    )`.execute(db);
    // The owner runs migrations; with FORCE it would see no tenant's rows (no app.tenant_id here).
    await sql`ALTER TABLE document_blobs NO FORCE ROW LEVEL SECURITY`.execute(db);
    // Piece n holds bytes [n * PIECE, (n + 1) * PIECE); an empty document keeps one empty piece,
    // so "no pieces" still means "bytes missing". Ciphertext is moved as it is: no key needed.
    await sql`INSERT INTO document_blob_chunks (tenant_id, document_id, seq, bytes)
      SELECT b.tenant_id, b.document_id, s.seq, substring(b.bytes from s.seq * ${sql.lit(PIECE_BYTES)} + 1 for ${sql.lit(PIECE_BYTES)})
      FROM document_blobs b,
        generate_series(0, greatest(0, (octet_length(b.bytes) - 1) / ${sql.lit(PIECE_BYTES)})) AS s(seq)`.execute(db);
    await sql`DROP TABLE document_blobs`.execute(db);
    await forceRowSecurity(db, 'document_blob_chunks');
  },
};
