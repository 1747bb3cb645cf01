// Bulk calls (issue 15): 50 todos made by one create_todos call against the same 50 made by 50
// create_todo calls, over stdio with a real client, in one run (target: at least 10x faster); and,
// as a second figure, 50 todos changed by one update_todos call against 50 update_todo calls.
// Run: npm run bench:bulk. Writes bench/results/bulk.json.
//
// Local SQLite mode always; also a PostgreSQL server when BENCH_DATABASE_URL names a role that may
// create databases and roles (the database mcp_pa_bench_bulk is dropped and created afresh). Each
// engine's server gets ROUNDS alternating rounds of both ways (so that drift of the machine falls
// on both), after a warm-up; the figures are the median and best of the rounds, per 50 todos.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminQuery, adminUrl } from './admin.js';
import { connect, stats } from './measure.js';

const ITEMS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const log = (msg: string) => console.error(`[bench] ${msg}`);
const soon = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
const todo = (round: number, i: number) => ({ title: `bulk bench ${round}.${i}`, due_date: soon, tags: ['bench', `round-${round % 5}`], priority: 'high' });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function run(engine: string, env: Record<string, string>) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-bench-bulk-'));
  const { client, call } = await connect(home, env);
  const one = async (round: number) => {
    for (let i = 0; i < ITEMS; i++) await call('create_todo', todo(round, i));
  };
  const bulk = (round: number) => call('create_todos', { items: Array.from({ length: ITEMS }, (_, i) => todo(round, i)) });
  for (let round = 0; round < 3; round++) {
    // warm-up: JIT, page cache, statement plans
    await one(-1 - round);
    await bulk(-1 - round);
  }
  // Updates of 50 existing todos, both ways (each item runs the single tool in the one transaction).
  const made = (await call('create_todos', { items: Array.from({ length: ITEMS }, (_, i) => todo(-9, i)) })).structuredContent as {
    results: { item: { id: string } }[];
  };
  const ids = made.results.map((r) => r.item.id);
  const change = (round: number, id: string, i: number) => ({ todo_id: id, title: `updated ${round}.${i}`, priority: round % 2 ? 'low' : 'urgent' });
  const updateOne = async (round: number) => {
    for (const [i, id] of ids.entries()) await call('update_todo', change(round, id, i));
  };
  const updateBulk = (round: number) => call('update_todos', { items: ids.map((id, i) => change(round, id, i)) });
  const samples = { create: [[], []], update: [[], []] } as Record<'create' | 'update', [number[], number[]]>;
  for (let round = 0; round < ROUNDS; round++) {
    samples.create[0].push(await timed(() => one(round)));
    samples.create[1].push(await timed(() => bulk(round)));
    samples.update[0].push(await timed(() => updateOne(round)));
    samples.update[1].push(await timed(() => updateBulk(round)));
  }
  await client.close();
  fs.rmSync(home, { recursive: true, force: true });
  const report = (what: 'create' | 'update') => {
    const s = stats(samples[what][0]);
    const b = stats(samples[what][1]);
    const ratio = Math.round((s.p50 / b.p50) * 10) / 10;
    log(`${engine}: 50 x ${what}_todo p50 ${s.p50} ms, ${what}_todos(50) p50 ${b.p50} ms: ${ratio}x`);
    return { fifty_single_calls_ms: s, one_bulk_call_ms: b, speedup_p50: ratio };
  };
  return { create: report('create'), update: report('update') };
}

const results: Record<string, unknown> = { sqlite: await run('sqlite', {}) };
if (process.env.BENCH_DATABASE_URL) {
  await adminQuery('DROP DATABASE IF EXISTS mcp_pa_bench_bulk WITH (FORCE)');
  await adminQuery('CREATE DATABASE mcp_pa_bench_bulk');
  const url = new URL(adminUrl());
  url.pathname = '/mcp_pa_bench_bulk';
  results.postgres = await run('postgres', {
    MCP_DATABASE_TYPE: 'postgresql',
    MCP_DATABASE_URL: url.toString(),
    MCP_DATABASE_APP_ROLE: 'mcp_pa_bench_bulk_app',
  });
  await adminQuery('DROP DATABASE IF EXISTS mcp_pa_bench_bulk WITH (FORCE)');
}
const out = { date: new Date().toISOString(), items: ITEMS, rounds: ROUNDS, cpus: os.cpus().length, results };
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/bulk.json', `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
