import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { LOCAL_TENANT, openRuntime, type OpenedRuntime } from '../../src/runtime.js';
import { createProject } from '../../src/domain/projects/service.js';
import { CreateProjectInput } from '../../src/domain/projects/schema.js';
import { uploadDocument } from '../../src/domain/documents/service.js';
import { UploadDocumentInput } from '../../src/domain/documents/schema.js';
import { listProjects } from '../../src/domain/projects/service.js';
import { ListProjectsInput } from '../../src/domain/projects/schema.js';
import { search } from '../../src/domain/search/service.js';
import { SearchInput } from '../../src/domain/search/schema.js';
import { ENGINE, engineEnv } from '../helpers/engines.js';
import { tempHome } from '../helpers/server.js';

describe('one transaction per call', () => {
  let runtime: OpenedRuntime;
  let docs: string;
  before(async () => {
    const home = tempHome();
    docs = path.join(home, 'docs');
    runtime = await openRuntime(loadConfig({}, { HOME: home, MCP_PA_DOCS_DIR: docs, ...(await engineEnv(home)) }), createLogger('silent'));
    await runtime.ensureTenant(LOCAL_TENANT);
  });
  after(() => runtime.close());

  it('a call that fails after writing leaves no row, no tag, no index entry and no file', async () => {
    await assert.rejects(
      runtime.run('write', LOCAL_TENANT, async (ctx) => {
        await createProject(ctx, CreateProjectInput.parse({ name: 'Half-done', tags: ['partial'] }));
        await uploadDocument(ctx, UploadDocumentInput.parse({ title: 'Half-done doc', content_base64: Buffer.from('bytes').toString('base64') }));
        throw new Error('fails after its writes');
      }),
      /fails after its writes/,
    );
    const left = await runtime.run('read', LOCAL_TENANT, async (ctx) => ({
      projects: await listProjects(ctx, ListProjectsInput.parse({})),
      hits: await search(ctx, SearchInput.parse({ query: 'half' })),
    }));
    const tables = await runtime.engine.transaction('read', LOCAL_TENANT, async (trx) => ({
      tags: await trx.selectFrom('item_tags').selectAll().execute(),
      documents: await trx.selectFrom('documents').selectAll().execute(),
      blobs: ENGINE === 'sqlite' ? [] : await trx.selectFrom('document_blob_chunks').select('document_id').execute(),
      counts: await trx.selectFrom('item_counts').select(['bucket', 'n']).where('n', '!=', 0).execute(),
    }));
    assert.deepEqual(left.projects.items, []);
    assert.deepEqual(left.hits.results, []);
    assert.deepEqual(tables.tags, []);
    assert.deepEqual(tables.documents, []);
    assert.deepEqual(tables.blobs, []);
    assert.deepEqual(tables.counts, [], 'the totals kept by triggers rolled back too');
    assert.deepEqual(fs.existsSync(docs) ? fs.readdirSync(docs) : [], [], 'the staged upload was discarded');
  });

  it(
    'a call that succeeds makes its document file visible only after commit',
    { skip: ENGINE !== 'sqlite' && 'PostgreSQL keeps the bytes in the row' },
    async () => {
      let seenDuringCall: string[] = [];
      const doc = await runtime.run('write', LOCAL_TENANT, async (ctx) => {
        const created = await uploadDocument(ctx, UploadDocumentInput.parse({ title: 'Whole', content_base64: Buffer.from('ok').toString('base64') }));
        seenDuringCall = fs.readdirSync(docs).filter((f) => !f.startsWith('.'));
        return created;
      });
      assert.deepEqual(seenDuringCall, [], 'not under its final name before the row commits');
      assert.deepEqual(fs.readdirSync(docs), [`${doc.id}.bin`]);
    },
  );

  it('a savepoint that fails undoes its own writes and index entries, and the rest of the call stands', async () => {
    const made = await runtime.run('write', LOCAL_TENANT, (ctx) =>
      ctx.search.batch(async () => {
        const kept = await createProject(ctx, CreateProjectInput.parse({ name: 'Savepoint kept', tags: ['savepoint'] }));
        await assert.rejects(
          ctx.savepoint(async () => {
            await createProject(ctx, CreateProjectInput.parse({ name: 'Savepoint undone', tags: ['savepoint'] }));
            throw new Error('fails after writing');
          }),
          /fails after writing/,
        );
        const after = await createProject(ctx, CreateProjectInput.parse({ name: 'Savepoint after', tags: ['savepoint'] }));
        return [kept.name, after.name];
      }),
    );
    const left = await runtime.run('read', LOCAL_TENANT, async (ctx) => ({
      projects: await listProjects(ctx, ListProjectsInput.parse({ tag: 'savepoint' })),
      hits: await search(ctx, SearchInput.parse({ query: 'savepoint' })),
    }));
    assert.deepEqual(left.projects.items.map((p) => p.name).sort(), [...made].sort());
    assert.deepEqual(left.hits.results.map((h) => h.title).sort(), [...made].sort());
    const indexed = await runtime.engine.transaction('read', LOCAL_TENANT, async (trx) => ({
      entries: (await trx.selectFrom('search_items').select('item_id').where('item_kind', '=', 'project').execute()).map((r) => r.item_id).sort(),
      projects: (await trx.selectFrom('projects').select('id').execute()).map((r) => r.id).sort(),
    }));
    assert.deepEqual(indexed.entries, indexed.projects, 'the undone item left no search entry behind');
    const history = await runtime.run('read', LOCAL_TENANT, (ctx) => ctx.changes.all());
    assert.deepEqual(
      history
        .filter((c) => c.item_kind === 'project')
        .map((c) => c.item_id)
        .sort(),
      indexed.projects,
      'nor a change in the history',
    );
  });

  it('a statement still on its way when its transaction ends (one of several asked at once failed) is refused, not run elsewhere', async () => {
    let ended!: () => void;
    const over = new Promise<void>((resolve) => (ended = resolve));
    let late: Promise<unknown> | undefined;
    await assert.rejects(
      runtime.engine.transaction('read', LOCAL_TENANT, async (trx) => {
        late = over.then(() => trx.selectFrom('projects').select('id').execute());
        await Promise.all([
          late,
          trx
            .selectFrom('projects')
            .select(sql<number>`no_such_column`.as('x'))
            .execute(),
        ]);
      }),
      /no_such_column/,
    );
    ended();
    await assert.rejects(late!, /asked after its transaction had ended, and was not run/);
  });
});
