import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, serverEnv, tempHome } from './helpers/server.js';

// Libraries only some calls need: loaded at start, they cost every local session memory and start-up
// time (docs/performance.md, "Memory").
const ON_FIRST_USE = ['ical.js', 'html-to-text', 'file-type', 'undici'];
const PRELOAD = path.resolve('test/fixtures/record-loaded-scripts.mjs');

async function startRecorded() {
  const home = tempHome('mcp-pa-modules-');
  const record = path.join(home, 'loaded-scripts.txt');
  const client = new Client({ name: 'modules-test', version: '1' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: ['--import', PRELOAD, CLI], env: serverEnv(home, { LOADED_SCRIPTS_FILE: record }) }),
  );
  after(() => client.close());
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    assert.equal(result.isError, undefined, `${name}: ${JSON.stringify(result.content)}`);
  };
  const loaded = () => {
    const scripts = fs.readFileSync(record, 'utf8');
    return ON_FIRST_USE.filter((lib) => scripts.includes(`/node_modules/${lib}/`));
  };
  return { call, loaded };
}

describe('libraries only some calls need load with the first call that needs them', () => {
  it('a session of everyday calls loads none of them', async () => {
    const server = await startRecorded();
    await server.call('create_todo', { title: 'Call the plumber', due_date: '2030-01-02', tags: ['home'] });
    await server.call('list_todos', { tag: 'home' });
    await server.call('search', { query: 'plumber' });
    await server.call('get_dashboard', {});
    await server.call('list_calendar_events', { start_date: '2030-01-01', end_date: '2030-01-31' });
    assert.deepEqual(server.loaded(), []);
  });

  it('importing a calendar and uploading a web page load what they need, and work', async () => {
    const server = await startRecorded();
    const ics = fs.readFileSync('test/fixtures/ics/apple-recurring-with-exceptions.ics', 'utf8');
    await server.call('import_ics', { ics_text: ics });
    assert.deepEqual(server.loaded(), ['ical.js']);
    await server.call('upload_document', {
      title: 'Saved page',
      content_base64: Buffer.from('<html><body><p>Council parking permit</p></body></html>').toString('base64'),
      filename: 'page.html',
    });
    assert.deepEqual(server.loaded(), ['ical.js', 'html-to-text', 'file-type']);
  });
});
