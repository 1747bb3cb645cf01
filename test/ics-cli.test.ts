import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempHome, withServer } from './helpers/server.js';

describe('mcp-pa ics import|export', () => {
  it('imports a file into local mode’s store and exports it again, as the tools do', async () => {
    const home = tempHome();
    const file = path.resolve('test/fixtures/ics/outlook-recurring.ics');
    const imported = await runCli(['ics', 'import', file], home);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported 1 items from .*: 1 new, 0 updated/);
    const again = await runCli(['ics', 'import', file], home);
    assert.match(again.stdout, /0 new, 1 updated/);

    const out = path.join(home, 'out.ics');
    const exported = await runCli(['ics', 'export', '--start', '2026-03-01', '--end', '2026-05-31', '--kind', 'event', '-o', out], home);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /exported 1 events and 0 todos/);
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /BEGIN:VEVENT[\s\S]*RRULE:FREQ=WEEKLY/);
    assert.equal((fs.statSync(out).mode & 0o777).toString(8), '600');

    // What the command imported is what the server shows.
    await withServer({ home }, async (server) => {
      const page = await server.ok<{ items: { title: string }[] }>('list_calendar_events', { start_date: '2026-03-02', end_date: '2026-03-02' });
      assert.deepEqual(
        page.items.map((e) => e.title),
        ['Jour fixe'],
      );
    });

    const bad = await runCli(['ics', 'export', '--kind', 'meeting'], home);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /kinds\.0: /);
    const missing = await runCli(['ics', 'import', path.join(home, 'nope.ics')], home);
    assert.match(missing.stderr, /cannot read .*nope\.ics/);
  });
});
