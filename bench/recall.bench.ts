// Recall by meaning (issue 16), in three parts. Run: npm run bench:recall (BENCH_PARTS=quality,cost,scan
// to choose). Writes bench/results/recall-<part>.json.
//
// 1. Quality: the labelled set of bench/recall-corpus.ts (60 questions over one person's items)
//    on embedded PostgreSQL (PGlite, pgvector), the person among BENCH_TENANTS others who hold the
//    same kind of items; recall@5 and MRR of keyword, semantic and hybrid search, over all
//    questions and over those that share no word with their items.
// 2. Cost: search at 100k items in local mode (SQLite, sqlite-vec), over stdio with a real client:
//    keyword against hybrid and semantic, in alternating rounds of one run.
// 3. Scan: the nearest passages of one person at three sizes on each engine (below).
//
// The provider: BENCH_EMBEDDINGS_URL and BENCH_EMBEDDINGS_MODEL (an Ollama on this machine, say:
// docs/recall.md has the procedure), else the tests' lexical stand-in (hashed words and trigrams
// plus a small synonym table), whose figures are labelled "lexical stand-in, not a measure of
// quality": it knows the synonyms the questions use.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logging.js';
import { openRuntime } from '../src/runtime.js';
import { startRecall } from '../src/compose/recall.js';
import type { DomainContext } from '../src/domain/context.js';
import { search } from '../src/domain/search/service.js';
import { SearchInput, type SearchMode } from '../src/domain/search/schema.js';
import { createTodo } from '../src/domain/todos/service.js';
import { CreateTodoInput } from '../src/domain/todos/schema.js';
import { createEvent } from '../src/domain/calendar/service.js';
import { CreateEventInput } from '../src/domain/calendar/schema.js';
import { uploadDocument } from '../src/domain/documents/service.js';
import { UploadDocumentInput } from '../src/domain/documents/schema.js';
import { createProject } from '../src/domain/projects/service.js';
import { CreateProjectInput } from '../src/domain/projects/schema.js';
import { EmbeddingStandIn, standInEmbedding } from '../test/helpers/embedding-stand-in.js';
import { registerEmbeddingModel } from '../src/storage/embedding-models.js';
import { adminQuery, adminUrl } from './admin.js';
import { sql } from 'kysely';
import { CORPUS, QUERIES, type CorpusItem } from './recall-corpus.js';
import { connect, stats } from './measure.js';
import { seed, type Volume } from './seed.js';
import { SERVER_NODE } from './server-node.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const MODES: SearchMode[] = ['keyword', 'semantic', 'hybrid'];
const log = (msg: string) => console.error(`[bench] ${msg}`);

const standIn = process.env.BENCH_EMBEDDINGS_URL ? undefined : await EmbeddingStandIn.start({ dimensions: 384 });
const provider = {
  url: process.env.BENCH_EMBEDDINGS_URL ?? standIn!.url,
  model: process.env.BENCH_EMBEDDINGS_MODEL ?? 'lexical-stand-in',
  label: standIn ? 'lexical stand-in, not a measure of quality' : `${process.env.BENCH_EMBEDDINGS_MODEL} at ${process.env.BENCH_EMBEDDINGS_URL}`,
};

/** A home whose configuration turns vector search on with the provider. */
function recallHome(prefix: string, given?: string): { home: string; env: Record<string, string> } {
  const home = given ?? fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(home, { recursive: true });
  const config = path.join(home, 'recall.json');
  fs.writeFileSync(config, JSON.stringify({ features: { vector_search: true }, embeddings: { batch_size: 64 } }));
  return { home, env: { HOME: home, MCP_PA_CONFIG: config, MCP_PA_EMBEDDINGS_URL: provider.url, MCP_PA_EMBEDDINGS_MODEL: provider.model } };
}

/** Writes one corpus item through the domain services (the real write path: index, queue). */
async function write(ctx: DomainContext, item: CorpusItem): Promise<string> {
  switch (item.kind) {
    case 'todo':
      return (await createTodo(ctx, CreateTodoInput.parse({ title: item.title, description: item.text }))).id;
    case 'event':
      return (
        await createEvent(
          ctx,
          CreateEventInput.parse({ title: item.title, description: item.text, start_time: '2026-06-01T10:00Z', end_time: '2026-06-01T11:00Z' }),
        )
      ).id;
    case 'project':
      return (await createProject(ctx, CreateProjectInput.parse({ name: item.title, description: item.text }))).id;
    case 'document':
      return (
        await uploadDocument(
          ctx,
          UploadDocumentInput.parse({ title: item.title, content_base64: Buffer.from(item.text ?? '').toString('base64'), filename: 'notes.txt' }),
        )
      ).id;
  }
}

async function quality() {
  const { home, env } = recallHome('mcp-pa-bench-recall-');
  const config = loadConfig({}, { ...env, MCP_DATABASE_TYPE: 'postgresql', MCP_PA_LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');
  const runtime = await openRuntime(config, logger);
  const recall = await startRecall(runtime, logger);
  const keys = new Map<string, string>();
  try {
    const t0 = Date.now();
    // The person last, among the others: their rows are interleaved in every index before theirs.
    for (let t = 0; t < TENANTS; t++) {
      const tenant = t === TENANTS - 1 ? 'person' : `other-${t}`;
      await runtime.ensureTenant(tenant);
      await runtime.run('write', tenant, async (ctx) => {
        for (const item of CORPUS) {
          const id = await write(ctx, item);
          if (tenant === 'person') keys.set(id, item.key);
        }
      });
    }
    await recall.settled();
    log(`quality: ${TENANTS} tenants x ${CORPUS.length} items written and embedded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const results: Record<string, { all: { recall_at_5: number; mrr: number }; no_shared_word: { recall_at_5: number; mrr: number } }> = {};
    for (const mode of MODES) {
      const scores: { recall: number; rr: number; sharesWords: boolean }[] = [];
      for (const q of QUERIES) {
        const input = SearchInput.parse({ query: q.query, mode, limit: 5 });
        const semantic = mode === 'keyword' ? undefined : await recall.embedQuery(q.query);
        const found = await runtime.run('read', 'person', (ctx) => search(ctx, input, semantic));
        const ranked = found.results.map((r) => keys.get(r.id) ?? '?');
        const hits = ranked.filter((k) => q.relevant.includes(k)).length;
        const first = ranked.findIndex((k) => q.relevant.includes(k));
        scores.push({ recall: hits / Math.min(5, q.relevant.length), rr: first === -1 ? 0 : 1 / (first + 1), sharesWords: q.sharesWords });
      }
      const summary = (list: typeof scores) => ({
        recall_at_5: Math.round((1000 * list.reduce((a, s) => a + s.recall, 0)) / list.length) / 1000,
        mrr: Math.round((1000 * list.reduce((a, s) => a + s.rr, 0)) / list.length) / 1000,
      });
      results[mode] = { all: summary(scores), no_shared_word: summary(scores.filter((s) => !s.sharesWords)) };
      log(`quality ${mode}: ${JSON.stringify(results[mode])}`);
    }
    return { queries: QUERIES.length, no_shared_word: QUERIES.filter((q) => !q.sharesWords).length, tenants: TENANTS, engine: 'pglite (pgvector)', results };
  } finally {
    recall.stop();
    await runtime.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const VOLUME: Volume = { todos: 60_000, projects: 5_000, tasks: 25_000, events: 8_000, documents: 2_000 };

/** Runs `mcp-pa reindex` (not blocking this process: the stand-in answers from here). */
async function reindex(env: Record<string, string>): Promise<string> {
  const child = spawn(SERVER_NODE.bin, [path.resolve('dist/cli.js'), 'reindex'], { env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`reindex failed (${code}): ${stderr}`);
  return stdout.trim();
}

async function cost() {
  // BENCH_RECALL_COST_HOME: a home seeded by an earlier run (seeding takes minutes), kept afterwards.
  const kept = process.env.BENCH_RECALL_COST_HOME;
  const { home, env } = recallHome('mcp-pa-bench-recall-cost-', kept);
  if (!kept || !fs.existsSync(path.join(home, '.config'))) {
    const t0 = Date.now();
    await seed(home, VOLUME, (m) => log(`cost seed ${m}`));
    log(`cost: seeded 100k items in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const t1 = Date.now();
  log(`cost: ${await reindex(env)} in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  const { client, call } = await connect(home, env);
  const queries = QUERIES.map((q) => q.query);
  const samples: Record<SearchMode, number[]> = { keyword: [], semantic: [], hybrid: [] };
  const timed = async (fn: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  for (let round = -20; round < ROUNDS; round++) {
    const query = queries[(round + 20) % queries.length];
    for (const mode of MODES) {
      const ms = await timed(() => call('search', { query, mode, limit: 10 }));
      if (round >= 0) samples[mode].push(ms);
    }
  }
  await client.close();
  if (!kept) fs.rmSync(home, { recursive: true, force: true });
  const latency = Object.fromEntries(MODES.map((m) => [m, stats(samples[m])]));
  return {
    items: Object.values(VOLUME).reduce((a, b) => a + b, 0),
    engine: 'sqlite (sqlite-vec, exact scan)',
    dimensions: standIn ? 384 : 'the model’s',
    latency_ms: latency,
    hybrid_over_keyword_p50: Math.round((latency.hybrid!.p50 / latency.keyword!.p50) * 100) / 100,
    semantic_over_keyword_p50: Math.round((latency.semantic!.p50 / latency.keyword!.p50) * 100) / 100,
  };
}

/**
 * 3. The exact scan where there is no vector index: one tenant's passages (384 numbers each) on a
 * PostgreSQL server without pgvector (real[], compared in SQL), beside PGlite's HNSW index and
 * SQLite's sqlite-vec, at three sizes; the nearest 30 to a query, p50 of 30 queries after a warm-up.
 * The tenant is alone on its database, the case the exact scan is for (a person's own rows).
 */
async function scan() {
  const sizes = [1_000, 5_000, 20_000];
  const engines: [string, Record<string, string>][] = [
    ['sqlite (sqlite-vec)', {}],
    ['pglite (pgvector hnsw)', { MCP_DATABASE_TYPE: 'postgresql' }],
  ];
  if (process.env.BENCH_DATABASE_URL) {
    await adminQuery('DROP DATABASE IF EXISTS mcp_pa_bench_scan');
    await adminQuery('CREATE DATABASE mcp_pa_bench_scan');
    const url = new URL(adminUrl());
    url.pathname = '/mcp_pa_bench_scan';
    engines.push(['postgresql (no pgvector: real[] exact scan)', { MCP_DATABASE_URL: url.href, MCP_DATABASE_APP_ROLE: 'mcp_pa_bench_scan_app' }]);
  }
  const vector = (i: number) => standInEmbedding(`passage ${i} ${CORPUS[i % CORPUS.length]!.title}`, 384);
  const out: Record<string, Record<string, number>> = {};
  for (const [label, extra] of engines) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-bench-scan-'));
    const runtime = await openRuntime(loadConfig({}, { HOME: home, MCP_PA_LOG_LEVEL: 'silent', ...extra }), createLogger('silent'));
    const model = await registerEmbeddingModel(runtime.engine, 'scan-bench', 384, new Date().toISOString());
    await runtime.ensureTenant('person');
    out[label] = {};
    let stored = 0;
    for (const size of sizes) {
      for (; stored < size; stored += 500) {
        await runtime.run('write', 'person', async (ctx) => {
          for (let i = stored; i < stored + 500; i++)
            await ctx.vectors.replace(model, 'todo', `t${i}`, [{ passage: 0, text: `passage ${i}`, vector: vector(i) }]);
        });
      }
      // Fresh statistics, as autovacuum keeps them on a server (PGlite runs no autovacuum: without
      // this its planner, thinking the table empty, sorts every row instead of walking the index).
      if (label !== 'sqlite (sqlite-vec)') await sql`ANALYZE item_vectors`.execute(runtime.engine.db);
      const samples: number[] = [];
      for (let q = -5; q < 30; q++) {
        const start = process.hrtime.bigint();
        await runtime.run('read', 'person', (ctx) => ctx.vectors.nearest(model, vector(1_000_000 + q * 7919), ['todo'], 30));
        if (q >= 0) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      out[label][`${size}`] = stats(samples).p50;
      log(`scan ${label} at ${size}: p50 ${out[label][`${size}`]} ms`);
    }
    await runtime.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
  if (process.env.BENCH_DATABASE_URL) await adminQuery('DROP DATABASE IF EXISTS mcp_pa_bench_scan');
  return { passages: sizes, dimensions: 384, nearest_30_p50_ms: out };
}

const parts = new Set((process.env.BENCH_PARTS ?? 'quality,cost,scan').split(','));
const report = {
  provider: provider.label,
  quality: parts.has('quality') ? await quality() : undefined,
  cost: parts.has('cost') && !process.env.BENCH_SKIP_COST ? await cost() : undefined,
  scan: parts.has('scan') ? await scan() : undefined,
};
await standIn?.close();
fs.mkdirSync('bench/results', { recursive: true });
// One file per part, so that a part run alone (BENCH_PARTS) keeps the others' figures.
for (const part of parts)
  fs.writeFileSync(
    `bench/results/recall-${part}.json`,
    JSON.stringify({ provider: report.provider, [part]: report[part as keyof typeof report] }, null, 2) + '\n',
  );
console.log(JSON.stringify(report, null, 2));
