import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EmbeddingStandIn } from '../helpers/embedding-stand-in.js';
import { engineEnv } from '../helpers/engines.js';
import { TEST_NOON, TestClock } from '../helpers/clock.js';
import { runCli, TestServer, tempHome } from '../helpers/server.js';

interface Hit {
  kind: string;
  id: string;
  title: string;
  snippet: string;
  found_by: string[];
  passage: number | null;
}
interface Results {
  results: Hit[];
  mode: string;
  note?: string;
}
interface Status {
  recall: { embeddings: boolean; model: string | null; waiting: number; failing: number; warning: string | null };
}

/** A server whose configuration turns vector search on, with the stand-in as its provider. */
async function recallServer(standIn: EmbeddingStandIn, extra: Record<string, string> = {}, home = tempHome(), clock?: TestClock): Promise<TestServer> {
  const config = path.join(home, 'recall.json');
  fs.writeFileSync(config, JSON.stringify({ features: { vector_search: true } }));
  return TestServer.start({
    home,
    clock,
    env: { MCP_PA_CONFIG: config, MCP_PA_EMBEDDINGS_URL: standIn.url, MCP_PA_EMBEDDINGS_MODEL: 'stand-in', ...extra },
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const titles = (r: Results) => r.results.map((h) => h.title);

describe('recall by meaning', () => {
  let standIn: EmbeddingStandIn;
  let server: TestServer;
  const ids: Record<string, string> = {};

  before(async () => {
    standIn = await EmbeddingStandIn.start();
    server = await recallServer(standIn);
    ids.lease = (
      await server.ok<{ id: string }>('upload_document', {
        title: 'Flat contract',
        content_base64: b64('The lease of the apartment ends on 31 May; the landlord keeps the deposit until the keys are back.'),
        filename: 'contract.txt',
      })
    ).id;
    ids.movers = (await server.ok<{ id: string }>('create_todo', { title: 'Book movers for the boxes' })).id;
    ids.dentist = (await server.ok<{ id: string }>('create_todo', { title: 'Call the dentist about my teeth' })).id;
    ids.trip = (
      await server.ok<{ id: string }>('create_calendar_event', { title: 'Flight to Lisbon', start_time: '2026-03-02T09:00', end_time: '2026-03-02T12:00' })
    ).id;
    await server.recall!.settled();
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('embeds new items in the background, and get_status shows the backlog empty', async () => {
    const status = await server.ok<Status>('get_status');
    assert.deepEqual(status.recall, { embeddings: true, model: 'stand-in', waiting: 0, failing: 0, warning: null });
    assert.ok(standIn.texts.some((t) => t.includes('Book movers')));
  });

  it('finds items by meaning that share no word with the query, and says which mode found each', async () => {
    const semantic = await server.ok<Results>('search', { query: 'relocation', mode: 'semantic', limit: 3 });
    assert.equal(semantic.mode, 'semantic');
    assert.deepEqual(new Set(titles(semantic).slice(0, 2)), new Set(['Flat contract', 'Book movers for the boxes']));
    assert.ok(semantic.results.every((h) => h.found_by.join() === 'semantic'));
    const keyword = await server.ok<Results>('search', { query: 'relocation', mode: 'keyword' });
    assert.deepEqual(keyword.results, []);
  });

  it('defaults to hybrid, fusing both lists: an item found by both comes first', async () => {
    const hybrid = await server.ok<Results>('search', { query: 'dentist teeth', limit: 5 });
    assert.equal(hybrid.mode, 'hybrid');
    assert.equal(hybrid.results[0]!.id, ids.dentist);
    assert.deepEqual(hybrid.results[0]!.found_by, ['keyword', 'semantic']);
    assert.match(hybrid.results[0]!.snippet, /\[dentist\]/);
  });

  it('finds related items across kinds', async () => {
    const related = await server.ok<Results>('find_related', { kind: 'todo', id: ids.movers, limit: 2 });
    assert.equal(related.mode, 'semantic');
    assert.equal(related.results[0]!.id, ids.lease);
    assert.ok(!related.results.some((h) => h.id === ids.movers), 'not itself');
  });

  it('re-embeds a changed item, and forgets a trashed one', async () => {
    await server.ok('update_todo', { todo_id: ids.dentist, title: 'Renew the car insurance' });
    await server.recall!.settled();
    const car = await server.ok<Results>('search', { query: 'vehicle', mode: 'semantic', limit: 1 });
    assert.equal(car.results[0]!.id, ids.dentist);
    await server.ok('delete_item', { kind: 'todo', id: ids.dentist });
    const after = await server.ok<Results>('search', { query: 'vehicle', mode: 'semantic' });
    assert.ok(!after.results.some((h) => h.id === ids.dentist));
    await server.ok('restore_item', { kind: 'todo', id: ids.dentist });
    await server.recall!.settled();
    assert.equal((await server.ok<Results>('search', { query: 'vehicle', mode: 'semantic', limit: 1 })).results[0]!.id, ids.dentist);
  });

  it('names the passage of a long document that matched', async () => {
    const filler = (topic: string) => Array.from({ length: 30 }, (_, i) => `Paragraph ${i} is about ${topic} and nothing else.`).join(' ');
    const long = [filler('gardening with compost and seeds'), filler('the marathon training plan at the gym')].join('\n\n');
    const doc = await server.ok<{ id: string }>('upload_document', { title: 'Notebook', content_base64: b64(long), filename: 'notes.md' });
    await server.recall!.settled();
    const hit = (await server.ok<Results>('search', { query: 'workout', mode: 'semantic', kinds: ['document'] })).results.find((h) => h.id === doc.id)!;
    assert.ok(hit.passage !== null && hit.passage > 0, `a later passage (got ${hit.passage})`);
    assert.match(hit.snippet, /marathon/);
  });

  it('finds what is related to a long document, not its own passages', async () => {
    const chapters = Array.from({ length: 12 }, (_, c) =>
      Array.from({ length: 25 }, (_, i) => `Chapter ${c} line ${i}: the lease and the deposit.`).join(' '),
    ).join('\n\n');
    const doc = await server.ok<{ id: string }>('upload_document', { title: 'Tenancy handbook', content_base64: b64(chapters), filename: 'handbook.md' });
    await server.recall!.settled();
    const related = await server.ok<Results>('find_related', { kind: 'document', id: doc.id, limit: 1 });
    assert.equal(related.mode, 'semantic');
    assert.equal(related.results.length, 1, 'one related item, though the document has more passages than were asked for');
    assert.notEqual(related.results[0]!.id, doc.id);
    // Its passages outrank everything else for its own words, yet the other items still come back.
    const search = await server.ok<Results>('search', { query: 'lease deposit', mode: 'semantic', limit: 3 });
    assert.equal(search.results.length, 3);
    assert.equal(new Set(search.results.map((h) => h.id)).size, 3);
  });

  it('with the provider down: writes still work, search falls back to keyword and says so, the backlog is retried', async () => {
    standIn.down = true;
    try {
      const todo = await server.ok<{ id: string }>('create_todo', { title: 'Water the tomatoes' });
      await server.recall!.settled();
      const status = await server.ok<Status>('get_status');
      assert.equal(status.recall.waiting, 1);
      assert.equal(status.recall.failing, 1);
      assert.match(status.recall.warning!, /503/);
      const found = await server.ok<Results>('search', { query: 'tomatoes' });
      assert.equal(found.mode, 'keyword');
      assert.match(found.note!, /hybrid search is unavailable \(the embeddings provider failed: .*503/);
      assert.equal(found.results[0]!.id, todo.id);
      standIn.down = false;
      // The retry falls due after its back-off.
      server.clock!.advance(10 * 60_000);
      await server.recall!.settled();
      assert.equal((await server.ok<Status>('get_status')).recall.waiting, 0);
      assert.equal((await server.ok<Results>('search', { query: 'garden', mode: 'semantic', kinds: ['todo'], limit: 1 })).results[0]!.id, todo.id);
    } finally {
      standIn.down = false;
    }
  });
});

describe('the embedding queue across a restart', () => {
  it('items queued while the provider was down are embedded by the next server, once it is back', async () => {
    const standIn = await EmbeddingStandIn.start();
    const home = tempHome();
    try {
      standIn.down = true;
      const first = await recallServer(standIn, {}, home);
      const todo = await first.ok<{ id: string }>('create_todo', { title: 'Pack the boxes' });
      await first.recall!.settled();
      assert.equal((await first.ok<Status>('get_status')).recall.failing, 1);
      await first.close();

      standIn.down = false;
      // The next start is later than the retry's back-off: the item is taken up where it was left.
      const second = await recallServer(standIn, { MCP_PA_LOG_LEVEL: 'warn' }, home, new TestClock(TEST_NOON + 60 * 60_000));
      await second.recall!.settled();
      const status = await second.ok<Status>('get_status');
      assert.deepEqual([status.recall.waiting, status.recall.failing], [0, 0]);
      assert.equal((await second.ok<Results>('search', { query: 'relocation', mode: 'semantic', limit: 1 })).results[0]!.id, todo.id);
      await second.close();
    } finally {
      await standIn.close();
    }
  });
});

describe('recall on an encrypted SQLite database', () => {
  it('stores and compares vectors inside the encrypted file (sqlite-vec on SQLCipher)', async () => {
    const standIn = await EmbeddingStandIn.start();
    const home = tempHome();
    const config = path.join(home, 'recall.json');
    fs.writeFileSync(config, JSON.stringify({ features: { vector_search: true } }));
    const server = await TestServer.start({
      home,
      engine: false,
      env: {
        MCP_PA_CONFIG: config,
        MCP_PA_EMBEDDINGS_URL: standIn.url,
        MCP_PA_EMBEDDINGS_MODEL: 'stand-in',
        MCP_PA_ENCRYPTION_KEY: 'a long enough passphrase',
      },
    });
    try {
      const todo = await server.ok<{ id: string }>('create_todo', { title: 'Sign the tenancy' });
      await server.recall!.settled();
      const found = await server.ok<Results>('search', { query: 'apartment lease', mode: 'semantic', limit: 1 });
      assert.equal(found.results[0]!.id, todo.id);
      const file = fs.readFileSync(path.join(home, '.config', 'mcp-pa', 'database.sqlite'));
      assert.ok(!file.includes(Buffer.from('Sign the tenancy')), 'the passage text is not in the file in the clear');
    } finally {
      await server.close();
      await standIn.close();
    }
  });
});

describe('recall with vector search off', () => {
  it('never calls a provider, and search is keyword', async () => {
    const standIn = await EmbeddingStandIn.start();
    const server = await TestServer.start({ env: { MCP_PA_EMBEDDINGS_URL: standIn.url, MCP_PA_EMBEDDINGS_MODEL: 'stand-in' } });
    try {
      await server.ok('create_todo', { title: 'Book movers' });
      const r = await server.ok<Results>('search', { query: 'movers' });
      assert.equal(r.mode, 'keyword');
      assert.equal(r.note, undefined);
      const asked = await server.ok<Results>('search', { query: 'relocation', mode: 'semantic' });
      assert.match(asked.note!, /semantic search is unavailable \(features.vector_search is off\)/);
      assert.equal((await server.ok<Status>('get_status')).recall.embeddings, false);
      assert.equal(standIn.requests, 0);
    } finally {
      await server.close();
      await standIn.close();
    }
  });

  it('on without a provider: starts, and the warning names the missing setting', async () => {
    const home = tempHome();
    const config = path.join(home, 'recall.json');
    fs.writeFileSync(config, JSON.stringify({ features: { vector_search: true } }));
    const server = await TestServer.start({ home, env: { MCP_PA_CONFIG: config, MCP_PA_LOG_LEVEL: 'warn' } });
    try {
      await server.waitForLog('MCP_PA_EMBEDDINGS_URL');
      const status = await server.ok<Status>('get_status');
      assert.equal(status.recall.embeddings, false);
      assert.match(status.recall.warning!, /embeddings\.url \(MCP_PA_EMBEDDINGS_URL\) and embeddings\.model \(MCP_PA_EMBEDDINGS_MODEL\)/);
    } finally {
      await server.close();
    }
  });
});

describe('changing the embedding model', () => {
  it('mcp-pa reindex embeds everything with the new model, with progress; a server started with another model re-embeds by itself', async () => {
    const standIn = await EmbeddingStandIn.start();
    const home = tempHome();
    try {
      const first = await recallServer(standIn, {}, home);
      for (const title of ['Book movers', 'Call the dentist', 'Renew the passport']) await first.ok('create_todo', { title });
      await first.recall!.settled();
      await first.close();

      // A new model (another dimension): reindex embeds every item with it, and says so.
      standIn.dimensions = 128;
      standIn.texts.length = 0;
      const config = path.join(home, 'recall.json');
      const env = { MCP_PA_CONFIG: config, MCP_PA_EMBEDDINGS_URL: standIn.url, MCP_PA_EMBEDDINGS_MODEL: 'stand-in-v2' };
      const reindex = await runCli(['reindex'], home, { ...(await engineEnv(home)), ...env });
      assert.equal(reindex.code, 0, reindex.stderr);
      assert.match(reindex.stdout, /^embedded 3 of 3 items with stand-in-v2$/m);
      assert.match(reindex.stderr, /3\/3 items embedded/);
      assert.equal(standIn.texts.length, 3);

      const second = await recallServer(standIn, { MCP_PA_EMBEDDINGS_MODEL: 'stand-in-v2' }, home);
      await second.recall!.settled();
      assert.equal(standIn.texts.length, 3, 'already embedded with this model: nothing queued again');
      const status = await second.ok<Status>('get_status');
      assert.deepEqual([status.recall.model, status.recall.waiting], ['stand-in-v2', 0]);
      assert.equal((await second.ok<Results>('search', { query: 'relocation', mode: 'semantic', limit: 1 })).results[0]!.title, 'Book movers');
      await second.close();

      // Started with yet another model, without reindex: everything is queued and embedded in the background.
      standIn.dimensions = 64;
      const third = await recallServer(standIn, { MCP_PA_EMBEDDINGS_MODEL: 'stand-in-v3' }, home);
      await third.recall!.settled();
      const now = await third.ok<Status>('get_status');
      assert.deepEqual([now.recall.model, now.recall.waiting], ['stand-in-v3', 0]);
      assert.equal((await third.ok<Results>('search', { query: 'teeth', mode: 'semantic', limit: 1 })).results[0]!.title, 'Call the dentist');
      await third.close();
    } finally {
      await standIn.close();
    }
  });

  it('mcp-pa import queues what it brings for embeddings, and the server embeds it', async () => {
    const standIn = await EmbeddingStandIn.start();
    const source = tempHome();
    const target = tempHome();
    try {
      const first = await recallServer(standIn, {}, source);
      await first.ok('create_todo', { title: 'Book movers' });
      await first.close();
      const file = path.join(source, 'export.json');
      assert.equal((await runCli(['export', '--output', file], source, await engineEnv(source))).code, 0);
      const config = path.join(target, 'recall.json');
      fs.writeFileSync(config, JSON.stringify({ features: { vector_search: true } }));
      const env = { ...(await engineEnv(target)), MCP_PA_CONFIG: config, MCP_PA_EMBEDDINGS_URL: standIn.url, MCP_PA_EMBEDDINGS_MODEL: 'stand-in' };
      const imported = await runCli(['import', file], target, env);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /queued 1 items for embeddings/);
      const second = await recallServer(standIn, {}, target);
      await second.recall!.settled();
      assert.equal((await second.ok<Results>('search', { query: 'relocation', mode: 'semantic', limit: 1 })).results[0]!.title, 'Book movers');
      await second.close();
    } finally {
      await standIn.close();
    }
  });

  it('mcp-pa reindex refuses without vector search, and exits 1 when the provider fails', async () => {
    const home = tempHome();
    const off = await runCli(['reindex'], home, await engineEnv(home));
    assert.equal(off.code, 2);
    assert.match(off.stderr, /reindex: vector search is off: set features\.vector_search/);
    const standIn = await EmbeddingStandIn.start();
    try {
      const server = await recallServer(standIn, {}, home);
      await server.ok('create_todo', { title: 'Something' });
      await server.recall!.settled();
      await server.close();
      standIn.down = true;
      const down = await runCli(['reindex'], home, {
        ...(await engineEnv(home)),
        MCP_PA_CONFIG: path.join(home, 'recall.json'),
        MCP_PA_EMBEDDINGS_URL: standIn.url,
        MCP_PA_EMBEDDINGS_MODEL: 'stand-in',
      });
      assert.equal(down.code, 1, down.stderr);
      assert.match(down.stdout, /embedded 0 of 1 items with stand-in; 1 failed: the embeddings provider failed: the embeddings provider answered 503/);
    } finally {
      await standIn.close();
    }
  });
});
