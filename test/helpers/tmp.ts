import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where tests make temporary directories: the run's own (removed when it ends, see run-tests.mjs), else the system's. */
const testTmpDir = () => process.env.TEST_TMPDIR ?? os.tmpdir();

/** A fresh, empty directory (a test server's home: its data lands in <home>/.config/mcp-pa). */
export function tempHome(prefix = 'mcp-pa-test-'): string {
  return fs.mkdtempSync(path.join(testTmpDir(), prefix));
}
