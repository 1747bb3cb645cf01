import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * The official MCP conformance suite (pinned in tools/conformance, run under the Node 22 it needs)
 * against mcp-pa's HTTP stack with the suite's fixtures, for 2025-11-25 and 2026-07-28. A failure
 * not listed in tools/conformance/baseline.yml, or a listed one that now passes, fails the test.
 */
describe('MCP conformance (server scenarios)', () => {
  it('passes every scenario of 2025-11-25 and 2026-07-28, except those in the baseline with their reasons', () => {
    const run = spawnSync(
      process.execPath,
      ['tools/conformance/run.mjs', '--start', 'node --import tsx test/conformance/serve.ts', '--baseline', 'tools/conformance/baseline.yml'],
      { encoding: 'utf8', timeout: 600_000 },
    );
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, output);
    assert.match(output, /conformance: 2 passed, 0 failed/, output);
  });
});
