#!/usr/bin/env node
// The published binary (package.json "bin": dist/cli.js); the program lives in cli/.
// First, so an unsupported Node stops with a clear message before anything else loads.
import './node-version.js';
import { processIo } from './cli/io.js';
import { main } from './cli/main.js';

// A refusal or a crash exits at once (whatever is still open); a command that finished, even one
// reporting a failure it explained (audit verify), lets the event loop finish writing its output.
const io = processIo();
void main(process.argv, io).then((code) => {
  if (code !== io.exitCode) process.exit(code);
  process.exitCode = code;
});
