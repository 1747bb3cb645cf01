#!/usr/bin/env node
// The published binary (package.json "bin": dist/cli.js); the program lives in cli/.
// First, so an unsupported Node stops with a clear message before anything else loads.
import './node-version.js';
import { main } from './cli/main.js';

void main(process.argv);
