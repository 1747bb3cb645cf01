import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { generateReference, withReference } from '../scripts/reference.js';

describe('README reference', () => {
  it('matches what the server advertises (run `npm run docs` after changing a declaration)', async () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    assert.equal(readme, withReference(readme, await generateReference()));
  });

  it('quick start is two commands: install+run (under a Node that meets engines), install+test', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = block
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.replace(/#.*$/, '').trim());
    assert.deepEqual(commands, ['npm ci && npm start -s', 'npm ci && npm test']);
    // The Node it needs is stated there, and is package.json's engines floor.
    const floor = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node.replace(/^>=\s*/, '');
    const quickStart = /## Quick start([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    assert.ok(quickStart.includes(`Node.js ${floor} or later`), `the quick start should say "Node.js ${floor} or later"`);
    const ci = fs.readFileSync('.ci/run', 'utf8');
    assert.match(ci, /npm ci/);
    assert.match(ci, /npm test/);
  });
});
