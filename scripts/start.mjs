#!/usr/bin/env node
// `npm start -s [-- ARGS]`: runs the built server (dist/cli.js ARGS) under a Node that meets the
// engines floor: this one when it does, else tools/node's node24 (an LTS line), installed and
// given its native SQLite driver on first use (see node-runtime.mjs). Everything but the server's
// own output goes to stderr: over stdio, stdout belongs to the MCP client (hence npm's -s, which
// keeps npm's banner off it).
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { chooseNode, ensureNativeDriver, envFor, ROOT } from './node-runtime.mjs';

const node = chooseNode(undefined, '24');
ensureNativeDriver(node);
const child = spawn(node.bin, [path.join(ROOT, 'dist/cli.js'), ...process.argv.slice(2)], { stdio: 'inherit', env: envFor(node) });
// The server stops the way it would if started directly: the signal reaches it, its exit is ours.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? 128 + os.constants.signals[signal]));
