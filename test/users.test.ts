import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { accountFor } from '../src/auth/accounts.js';
import { CreateTodoInput } from '../src/domain/todos/schema.js';
import { createTodo } from '../src/domain/todos/service.js';
import { ENGINE, openTestRuntime, rawSql } from './helpers/engines.js';
import { runCli } from './helpers/server.js';

const ISSUER = 'https://id.example.com';

describe(`mcp-pa user (on ${ENGINE})`, () => {
  let home: string;
  let env: Record<string, string>;
  let alice: string;
  let bob: string;
  before(async () => {
    const opened = await openTestRuntime(ENGINE);
    ({ home, env } = opened);
    const { runtime } = opened;
    try {
      alice = (await accountFor(runtime.engine, ISSUER, 'alice')).tenantId;
      bob = (await accountFor(runtime.engine, ISSUER, 'bob')).tenantId;
      for (const [tenant, title] of [
        [alice, "alice's todo"],
        [bob, "bob's todo"],
      ] as const) {
        await runtime.run('write', tenant, (ctx) => createTodo(ctx, CreateTodoInput.parse({ title })));
      }
    } finally {
      await runtime.close();
    }
  });
  // The user commands administer HTTP mode, whose default is PostgreSQL: name the engine under test.
  const cli = (...args: string[]) => runCli(['user', ...args], home, { MCP_DATABASE_TYPE: ENGINE === 'sqlite' ? 'sqlite' : 'postgresql', ...env });
  const todosOf = async (tenant: string) => Number((await rawSql(home, 'SELECT count(*) AS n FROM todos WHERE tenant_id = $1', [tenant]))[0]!.n);
  const historyOf = async (tenant: string) => Number((await rawSql(home, 'SELECT count(*) AS n FROM item_changes WHERE tenant_id = $1', [tenant]))[0]!.n);

  it('lists the accounts with their issuer and status', async () => {
    const list = await cli('list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /alice\s+https:\/\/id\.example\.com\s+\S+\s+active/);
    assert.match(list.stdout, new RegExp(bob));
  });

  it('disables an account: its tokens are refused from then on', async () => {
    const result = await cli('disable', '--subject', 'alice');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /disabled alice/);
    const accounts = JSON.parse((await cli('list', '--json')).stdout) as { subject: string; disabled_at: string | null }[];
    assert.ok(accounts.find((a) => a.subject === 'alice')!.disabled_at);
    assert.equal(accounts.find((a) => a.subject === 'bob')!.disabled_at, null);
    assert.equal(await todosOf(alice), 1, 'disabling keeps the data');
  });

  it('deletes an account and all of its data, only when confirmed, and nothing of anyone else', async () => {
    const unconfirmed = await cli('delete', '--subject', 'bob');
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--yes/);
    assert.equal(await todosOf(bob), 1, 'nothing deleted without confirmation');
    assert.equal(await historyOf(bob), 1, 'the creation of his todo is in his history');
    const deleted = await cli('delete', '--id', bob, '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await todosOf(bob), 0);
    assert.equal(await historyOf(bob), 0, 'his history went with his account');
    assert.equal(await historyOf(alice), 1, "alice's history stays");
    assert.deepEqual(await rawSql(home, 'SELECT subject FROM accounts WHERE tenant_id = $1', [bob]), []);
    assert.deepEqual(await rawSql(home, 'SELECT id FROM tenants WHERE id = $1', [bob]), []);
    assert.equal(await todosOf(alice), 1, "alice's data is untouched");
  });

  it('adds an account with a password, and refuses a bad email, a short password or a second account for one email', async () => {
    const add = (email: string, password: string) =>
      runCli(['user', 'add', '--email', email], home, { MCP_DATABASE_TYPE: ENGINE === 'sqlite' ? 'sqlite' : 'postgresql', ...env }, `${password}\n`);
    const added = await add('Grace@Example.com', 'a passphrase long enough');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added grace@example\.com/);
    const stored = await rawSql(home, 'SELECT email, password_hash FROM accounts WHERE email = $1', ['grace@example.com']);
    assert.match(String(stored[0]!.password_hash), /^scrypt\$/, 'only a hash is stored');
    for (const [email, password, message] of [
      ['not-an-email', 'a passphrase long enough', /is not an email address/],
      ['short@example.com', 'too short', /at least 12 characters/],
      ['grace@example.com', 'another long passphrase', /exists already/],
    ] as const) {
      const refused = await add(email, password);
      assert.equal(refused.code, 2, `${email}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
    }
  });

  it('says which account it could not find', async () => {
    const missing = await cli('disable', '--subject', 'nobody');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no account with subject "nobody"/);
    const both = await cli('disable', '--subject', 'alice', '--id', alice);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of/);
  });
});
