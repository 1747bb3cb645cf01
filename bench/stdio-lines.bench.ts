// How the time to read one long line over stdio grows with its length: our framed transport
// beside the SDK's own StdioServerTransport (quadratic) in-process, and whole uploads through the
// built binary, with a ping sent right behind each. Per-MB times are compared within this run.
// Run: npm run bench:stdio-lines   (BENCH_CLI=path/to/other/dist/cli.js: the end-to-end part against another build)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { createStdioTransport } from '../src/transports/stdio.js';
import { SERVER_NODE } from './server-node.js';

const MB = 1024 * 1024;
/** How a pipe delivers a line: 64 KiB reads when the reader lags, a page at a time when it keeps up. */
const PIPE_CHUNKS = [64 * 1024, 4 * 1024];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const log = (msg: string) => console.error(`[bench] ${msg}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

type Transport = Pick<StdioServerTransport, 'start' | 'close'> & { onmessage?: StdioServerTransport['onmessage'] };

/** Milliseconds from the first chunk of a `size`-byte line to its message, fed as a pipe would. */
async function readLine(make: (stdin: PassThrough) => Transport, size: number, chunk: number): Promise<number> {
  const stdin = new PassThrough();
  const transport = make(stdin);
  const line = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'A'.repeat(size) } }) + '\n');
  const read = new Promise<void>((resolve) => (transport.onmessage = () => resolve()));
  await transport.start();
  const t0 = process.hrtime.bigint();
  for (let at = 0; at < line.length; at += chunk) {
    stdin.write(line.subarray(at, at + chunk));
    // One chunk per turn of the event loop, as data arrives from a real pipe.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await read;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await transport.close();
  return ms;
}

type PerMb = Record<string, { ms: number; ms_per_mb: number }>;

async function perMb(make: (stdin: PassThrough) => Transport, sizesMb: number[], chunk: number): Promise<PerMb> {
  const out: PerMb = {};
  for (const mb of sizesMb) {
    const runs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) runs.push(await readLine(make, mb * MB, chunk));
    const ms = median(runs);
    out[`${mb}_mb`] = { ms: round(ms), ms_per_mb: round(ms / mb, 2) };
    log(`  ${mb} MB in ${chunk / 1024} KiB chunks: ${round(ms)} ms`);
  }
  return out;
}

const framed = (stdin: PassThrough) => createStdioTransport(stdin, new PassThrough(), 64 * MB);
const sdkOnly = (stdin: PassThrough) => new StdioServerTransport(stdin, new PassThrough(), { maxBufferSize: 64 * MB });

const started = Date.now();
await readLine(framed, MB, PIPE_CHUNKS[0]!); // warm-up
const ours: Record<string, PerMb> = {};
const sdk: Record<string, PerMb> = {};
for (const chunk of PIPE_CHUNKS) {
  const key = `chunks_of_${chunk / 1024}_kib`;
  log('framed transport (ours)');
  ours[key] = await perMb(framed, [1, 4, 16], chunk);
  // Quadratic: at page-sized chunks a 16 MB line would take the SDK's buffer minutes.
  log("the SDK's transport alone");
  sdk[key] = await perMb(sdkOnly, chunk >= 64 * 1024 ? [1, 4, 16] : [1, 2, 4], chunk);
}

/** Whole uploads through the built binary: upload_document with `mb` MB of base64, then a ping. */
async function endToEnd(sizesMb: number[]) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-stdio-lines-'));
  const transport = new StdioClientTransport({
    command: SERVER_NODE.bin,
    // BENCH_CLI: another build to compare with (e.g. one without the framer).
    args: [path.resolve(process.env.BENCH_CLI ?? 'dist/cli.js')],
    env: { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', MCP_PA_LOG_LEVEL: 'warn' },
    stderr: 'inherit',
  });
  // ping exists in the 2025 era only.
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(transport);
  const out: Record<string, { upload_ms: number; ms_per_mb: number; ping_behind_it_ms: number }> = {};
  try {
    const upload = async (mb: number) => {
      const content = crypto.randomBytes(Math.floor((mb * MB * 3) / 4)).toString('base64');
      const t0 = process.hrtime.bigint();
      const pingSent = client.ping().then(() => Number(process.hrtime.bigint() - t0) / 1e6);
      const result = await client.callTool({ name: 'upload_document', arguments: { title: `bench ${mb}`, content_base64: content } });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (result.isError) throw new Error(JSON.stringify(result.content));
      return { ms, ping: await pingSent };
    };
    await upload(1); // warm-up
    for (const mb of sizesMb) {
      const runs: { ms: number; ping: number }[] = [];
      for (let i = 0; i < ROUNDS; i++) runs.push(await upload(mb));
      const ms = median(runs.map((r) => r.ms));
      out[`${mb}_mb`] = { upload_ms: round(ms), ms_per_mb: round(ms / mb, 2), ping_behind_it_ms: round(median(runs.map((r) => r.ping))) };
      log(`  upload of ${mb} MB of base64: ${round(ms)} ms`);
    }
  } finally {
    await client.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
  return out;
}
log('whole uploads through the built binary');
const e2e = await endToEnd([1, 16]);

const ratio = (a: number, b: number) => round(a / b, 2);
const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version },
  method:
    `One JSON-RPC line per size, fed in chunks of ${PIPE_CHUNKS.map((c) => `${c / 1024} KiB`).join(' or ')}, one per event-loop turn (as a pipe delivers them), timed from the first chunk to the parsed message; ` +
    `median of ${ROUNDS}. End to end: the official client spawns the built binary (SQLite) and calls upload_document with random bytes in base64 of the given size, a ping sent right behind it; the ping time is from the upload's start.`,
  framed_transport: ours,
  sdk_transport_alone: sdk,
  end_to_end_upload: e2e,
  ratios: {
    ...Object.fromEntries(Object.entries(ours).map(([key, r]) => [`framed_ms_per_mb_16_to_1_${key}`, ratio(r['16_mb']!.ms_per_mb, r['1_mb']!.ms_per_mb)])),
    ...Object.fromEntries(
      Object.entries(sdk).map(([key, r]) => {
        const largest = Object.keys(r).at(-1)!;
        return [`sdk_alone_ms_per_mb_${largest.replace('_mb', '')}_to_1_${key}`, ratio(r[largest]!.ms_per_mb, r['1_mb']!.ms_per_mb)];
      }),
    ),
    end_to_end_ms_per_mb_16_to_1: ratio(e2e['16_mb']!.ms_per_mb, e2e['1_mb']!.ms_per_mb),
  },
  total_seconds: Math.round((Date.now() - started) / 1000),
};
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync(`bench/results/stdio-lines${process.env.BENCH_CLI ? '-other-build' : ''}.json`, JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
