// Timing helpers shared by the benchmarks: a real MCP client over stdio to the built binary.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { VOCABULARY } from './seed.js';
import { SERVER_NODE } from './server-node.js';

export const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const CLI = path.resolve('dist/cli.js');

export interface Stats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
}

/** Percentiles, mean and minimum of latency samples, in milliseconds to the microsecond. */
export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    min: round(sorted[0]!),
  };
}

async function time(fn: () => Promise<unknown>, iterations = ITERATIONS): Promise<Stats> {
  for (let i = 0; i < Math.min(50, iterations); i++) await fn(); // warm-up: JIT, page cache, statement plans
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return stats(samples);
}

function memoryOf(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss_mb: Math.round(kb('VmRSS') / 1024), peak_rss_mb: Math.round(kb('VmHWM') / 1024) };
}

export async function connect(home: string, env: Record<string, string>, args = [CLI]) {
  const transport = new StdioClientTransport({
    command: SERVER_NODE.bin,
    args,
    env: { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', MCP_PA_LOG_LEVEL: 'warn', ...env },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
    return r;
  };
  return { client, transport, call };
}

/**
 * From launching a server to its first tool call's answer (Node starting, modules loading, storage
 * opening), `launches` times, alternating mcp-pa (get_current_time) with the SDK alone answering a
 * no-op (bench/minimal-stdio-server.mjs) so the machine's drift falls on both alike.
 */
export async function measureStartup(home: string, launches: number) {
  const ours: number[] = [];
  const minimal: number[] = [];
  const launch = async (args: string[] | undefined, tool: string, into: number[]) => {
    const t0 = process.hrtime.bigint();
    const { client, call } = await connect(home, {}, args);
    await call(tool);
    into.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await client.close();
  };
  for (let i = 0; i < launches; i++) {
    await launch(undefined, 'get_current_time', ours);
    await launch([path.resolve('bench/minimal-stdio-server.mjs')], 'noop', minimal);
  }
  const [a, b] = [stats(ours), stats(minimal)];
  return { mcp_pa_ms: a, minimal_sdk_server_ms: b, ratio_p50: Math.round((a.p50 / b.p50) * 100) / 100 };
}

/** p50/p99 of the standard operations on a server over stdio, and its memory. */
export async function measure(home: string, env: Record<string, string>, { full }: { full: boolean }) {
  const { client, transport, call } = await connect(home, env);
  const soon = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  // Typical searches use words of middling frequency (ranks 100 to 2,000 of the vocabulary);
  // the worst case is the most common word of all, which matches almost half of all items.
  const typical = Array.from({ length: 50 }, (_, i) => `${VOCABULARY[100 + i * 37]} ${VOCABULARY[150 + i * 29]!.slice(0, 4)}`);
  let q = 0;
  let n = 0;
  const result: Record<string, Stats> = {};
  result.baseline_discover = await time(() => client.discover());
  result.get_current_time = await time(() => call('get_current_time'));
  result.get_dashboard = await time(() => call('get_dashboard'));
  if (full) {
    result.list_todos_filtered = await time(() => call('list_todos', { completed: false, priority: 'high', due_before: soon, limit: 20 }));
    result.list_todos_by_tag = await time(() => call('list_todos', { tag: 'work', completed: false, limit: 20 }));
    result.search_typical = await time(() => call('search', { query: typical[q++ % typical.length], limit: 10 }));
    result.search_most_common_word = await time(() => call('search', { query: VOCABULARY[0], limit: 10 }), 100);
    result.create_todo = await time(() => call('create_todo', { title: `bench todo ${n++}`, due_date: soon, tags: ['bench'] }));
  }
  const memory = memoryOf(transport.pid!);
  await client.close();
  return { latency_ms: result, memory };
}
