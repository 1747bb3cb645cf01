import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { HttpTestServer } from '../helpers/http-server.js';
import { MemoryOAuthProvider, signInAndConsent } from '../helpers/oauth.js';
import { CLI, dataDir, runCli, serverEnv, tempHome } from '../helpers/server.js';

const EMAIL = 'grace@example.com';
const PASSWORD = 'a passphrase long enough';

/** Signs in at the embedded authorization server's pages as a person would; resolves to the redirect back to the client. */
async function signIn(server: HttpTestServer, password: string): Promise<URL> {
  const provider = new MemoryOAuthProvider();
  const client = new Client({ name: 'accounts-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await assert.rejects(client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider: provider })), UnauthorizedError);
  return signInAndConsent(provider.authorizationUrl!, provider.redirect, { email: EMAIL, password });
}

/** HTTP mode on SQLite: the cheapest engine (what is tested here does not depend on it). */
const SQLITE = { MCP_DATABASE_TYPE: 'sqlite' };
const addUser = (home: string, input: string) => runCli(['user', 'add', '--email', EMAIL], home, SQLITE, input);

describe('passwords fed to user add', () => {
  it('typed twice into a pipe (as passwd reads them) set the password itself, and the person can sign in', async () => {
    const home = tempHome('mcp-pa-pw-');
    const added = await addUser(home, `${PASSWORD}\n${PASSWORD}\n`);
    assert.equal(added.code, 0, added.stderr);
    const server = await HttpTestServer.start({ home, env: SQLITE });
    try {
      const callback = await signIn(server, PASSWORD);
      assert.ok(callback.searchParams.get('code'), 'signed in with the password that was typed');
    } finally {
      await server.close();
    }
  });

  it('are refused, with nothing created, when the two differ, when there are more lines, or with a control character', async () => {
    const home = tempHome('mcp-pa-pw-');
    for (const [input, reason] of [
      [`${PASSWORD}\nanother passphrase\n`, /the two passwords differ; nothing was created/],
      [`${PASSWORD}\n${PASSWORD}\n${PASSWORD}\n`, /expected the password on one line .* got 3 lines/],
      [`${PASSWORD}\u001b[2J\n`, /may not contain control characters/],
      [`${PASSWORD}\twith a tab\n`, /may not contain control characters/],
    ] as const) {
      const refused = await addUser(home, input);
      assert.equal(refused.code, 2, `${JSON.stringify(input)}: ${refused.stdout}`);
      assert.match(refused.stderr, reason);
    }
    const list = await runCli(['user', 'list'], home, SQLITE);
    assert.doesNotMatch(list.stdout, /grace@example\.com/, 'no account was created by a refused command');
  });

  it('at a terminal are asked twice and must match', async () => {
    const home = tempHome('mcp-pa-pw-');
    // A real terminal (a pseudo-terminal made by script(1)); each answer is typed once its prompt shows.
    const run = (answers: string[]) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} user add --email ${EMAIL}`;
        const child = spawn('script', ['-qefc', command, '/dev/null'], { env: serverEnv(home, SQLITE), stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        const pending = [...answers];
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const prompts = output.match(/password[^:\n]*: /gi)?.length ?? 0;
          if (prompts > answers.length - pending.length) child.stdin.write(`${pending.shift()}\r`);
        });
        child.once('exit', (code) => resolve({ code, output }));
      });
    const mismatch = await run([PASSWORD, 'a different passphrase']);
    assert.equal(mismatch.code, 2, mismatch.output);
    assert.match(mismatch.output, /The same password again: /);
    assert.match(mismatch.output, /the two passwords differ; nothing was created/);
    assert.doesNotMatch(mismatch.output, new RegExp(PASSWORD), 'what is typed is not echoed');
    const matched = await run([PASSWORD, PASSWORD]);
    assert.equal(matched.code, 0, matched.output);
    assert.match(matched.output, /added grace@example\.com/);
  });
});

/** Every file and folder below root whose mode lets anyone but its owner in. */
function notPrivate(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const mode = fs.statSync(full).mode & 0o777;
      if (entry.isDirectory()) {
        if (mode !== 0o700) found.push(`${path.relative(root, full)}/ ${mode.toString(8)}`);
        walk(full);
      } else if (mode !== 0o600) found.push(`${path.relative(root, full)} ${mode.toString(8)}`);
    }
  };
  walk(root);
  if ((fs.statSync(root).mode & 0o777) !== 0o700) found.push(`./ ${(fs.statSync(root).mode & 0o777).toString(8)}`);
  return found;
}

/** Opens everything under a tree to everyone, as an old version or a careless copy may have left it. */
function openToEveryone(root: string): void {
  fs.chmodSync(root, 0o777);
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) openToEveryone(full);
    else fs.chmodSync(full, 0o666);
  }
}

/** The local stdio server started under umask 000, which saves a document. */
async function saveDocumentUnderOpenUmask(home: string, env: Record<string, string>): Promise<void> {
  const transport = new StdioClientTransport({ command: 'sh', args: ['-c', 'umask 000 && exec "$@"', 'sh', process.execPath, CLI], env: serverEnv(home, env) });
  const client = new Client({ name: 'modes-test', version: '1' });
  await client.connect(transport);
  try {
    const result = await client.callTool({
      name: 'upload_document',
      arguments: { title: 'Lease', content_base64: Buffer.from('the lease').toString('base64'), mime_type: 'text/plain' },
    });
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
  } finally {
    await client.close();
  }
}

describe('data files on disk', () => {
  for (const [engine, env] of [
    ['SQLite', {}],
    ['embedded PostgreSQL (PGlite)', { MCP_DATABASE_TYPE: 'postgresql' }],
  ] as const) {
    it(`are the owner's alone on ${engine}, whatever the umask, and an install left open is closed again`, async () => {
      const home = tempHome('mcp-pa-modes-');
      await saveDocumentUnderOpenUmask(home, env);
      assert.deepEqual(notPrivate(dataDir(home)), [], 'files 0600 and folders 0700 under umask 000');
      openToEveryone(dataDir(home));
      await saveDocumentUnderOpenUmask(home, env);
      assert.deepEqual(notPrivate(dataDir(home)), [], 'an earlier install opened to everyone is private again after a start');
    });
  }
});
