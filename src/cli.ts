#!/usr/bin/env node
// The published binary (package.json "bin": dist/cli.js); the program lives in cli/.
import { main } from './cli/main.js';

void main(process.argv);
