#!/usr/bin/env node
// The published binary (package.json "bin": dist/cli.js); the program lives in cli/.
// First, so an unsupported Node stops with a clear message before anything else loads.
import './node-version.js';
import { main } from './cli/main.js';

// A failure exits at once (whatever is still open); success lets the event loop finish.
void main(process.argv).then((code) => {
  if (code !== 0) process.exit(code);
});
