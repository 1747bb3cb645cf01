// The Node the benchmarked server runs under: as the tests choose it (scripts/node-runtime.mjs),
// this one when it meets the engines floor, else tools/node's node22; BENCH_NODE=22, 24 or current
// chooses. The server refuses a Node below the floor, so a bench run by an older one must not start
// it with its own.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ChosenNode {
  bin: string;
  version: string;
}

const runtime = (await import(pathToFileURL(path.resolve('scripts/node-runtime.mjs')).href)) as {
  chooseNode(request: string | undefined, fallback: string): ChosenNode;
  ensureNativeDriver(node: ChosenNode): void;
};

export const SERVER_NODE = runtime.chooseNode(process.env.BENCH_NODE, '22');
runtime.ensureNativeDriver(SERVER_NODE);
