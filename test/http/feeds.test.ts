import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ICAL from 'ical.js';
import { HttpTestServer, withConfigFile } from '../helpers/http-server.js';
import { TestServer, runCli, type CliResult } from '../helpers/server.js';

type Client = Awaited<ReturnType<HttpTestServer['client']>>;
const call = async <T>(client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })).structuredContent as T;

describe('calendar feeds', () => {
  let server: HttpTestServer;
  let client: Client;
  let home: string;
  let args: string[];
  const cli = (...command: string[]): Promise<CliResult> => runCli([...args, ...command], home);

  before(async () => {
    // SQLite, so the test can look at the database file for the secret itself.
    ({ home, args } = withConfigFile({
      mode: 'http',
      authentication: { enabled: false },
      database: { type: 'sqlite', path: 'PLACEHOLDER' },
      rate_limits: { feeds_per_minute: 12 },
    }));
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')) as { database: { path: string } };
    config.database.path = path.join(home, 'db.sqlite');
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify(config));
    server = await HttpTestServer.start({ home, args });
    client = await server.client();
    await call(client, 'create_calendar_event', {
      title: 'Choir',
      start_time: '2027-01-06T19:00',
      end_time: '2027-01-06T21:00',
      timezone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY',
      reminder_minutes: 60,
    });
    await call(client, 'create_todo', { title: 'Renew passport', due_date: '2027-02-01' });
    await call(client, 'create_todo', { title: 'Someday: learn Welsh' });
  });
  let closed = false;
  after(async () => {
    if (closed) return;
    await client.close();
    await server.close();
  });

  it('gives the person a secret address that serves their events and dated todos, with alarms, parsed back by ical.js', async () => {
    const feed = await call<{ url: string; created: boolean }>(client, 'get_calendar_feed');
    assert.equal(feed.created, true);
    assert.match(feed.url, new RegExp(`^${server.url}/feeds/[A-Za-z0-9_-]{43}\\.ics$`));
    const again = await call<{ url: string; created: boolean }>(client, 'get_calendar_feed');
    assert.deepEqual([again.url, again.created], [feed.url, false]);

    const response = await fetch(feed.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/calendar/);
    assert.match(response.headers.get('cache-control')!, /private/);
    const cal = new ICAL.Component(ICAL.parse(await response.text()) as unknown[]);
    const event = cal.getFirstSubcomponent('vevent')!;
    assert.equal(event.getFirstPropertyValue('summary'), 'Choir');
    assert.equal(String(event.getFirstPropertyValue('rrule')), 'FREQ=WEEKLY');
    assert.equal(String(event.getFirstSubcomponent('valarm')!.getFirstPropertyValue('trigger')), '-PT1H');
    assert.deepEqual(
      cal.getAllSubcomponents('vtodo').map((t) => t.getFirstPropertyValue('summary')),
      ['Renew passport'],
    );

    // The database holds the secret only sealed and hashed.
    const secret = /feeds\/(.+)\.ics$/.exec(feed.url)![1]!;
    for (const file of ['db.sqlite', 'db.sqlite-wal']) {
      const bytes = path.join(home, file);
      if (fs.existsSync(bytes)) assert.ok(!fs.readFileSync(bytes).includes(secret), `${file} holds the feed's secret in the clear`);
    }
  });

  it('answers 404 to a wrong, malformed or revoked secret, and to the secret of nobody', async () => {
    const { url } = await call<{ url: string }>(client, 'get_calendar_feed');
    const wrong = url.replace(/feeds\/.(.*)\.ics$/, (_m, rest: string) => `feeds/${rest.startsWith('A') ? 'B' : 'A'}${rest}.ics`);
    for (const bad of [wrong, `${server.url}/feeds/short.ics`, `${server.url}/feeds/${'x'.repeat(43)}.ics`, url.replace('.ics', '.json')]) {
      assert.equal((await fetch(bad)).status, 404, bad);
    }
    const revoked = await cli('feed', 'revoke');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /revoked/);
    assert.equal((await fetch(url)).status, 404);
    const fresh = await call<{ url: string; created: boolean }>(client, 'get_calendar_feed');
    assert.notEqual(fresh.url, url);
    assert.equal((await fetch(fresh.url)).status, 200);
  });

  it('never shows another person’s items', async () => {
    const other = path.join(home, 'other.ics');
    fs.writeFileSync(
      other,
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:o-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270105T090000Z\r\nDTEND:20270105T100000Z\r\nSUMMARY:Not yours\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    );
    assert.equal((await cli('ics', 'import', other, '--tenant', 'someone-else')).code, 0);
    const theirs = await cli('feed', 'create', '--tenant', 'someone-else');
    assert.equal(theirs.code, 0, theirs.stderr);
    const theirUrl = theirs.stdout.trim().replace(/^.*\/feeds\//, `${server.url}/feeds/`);
    const mine = await call<{ url: string }>(client, 'get_calendar_feed');
    const [theirText, myText] = await Promise.all([fetch(theirUrl).then((r) => r.text()), fetch(mine.url).then((r) => r.text())]);
    assert.match(theirText, /SUMMARY:Not yours/);
    assert.doesNotMatch(theirText, /Choir|Renew passport/);
    assert.doesNotMatch(myText, /Not yours/);
  });

  it('limits requests per address', async () => {
    const { url } = await call<{ url: string }>(client, 'get_calendar_feed');
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await fetch(url)).status);
    assert.ok(statuses.includes(429), `no 429 among ${statuses.join(',')}`);
  });

  it('records making, showing and revoking a feed in the audit trail', async () => {
    await client.close();
    await server.close(); // the trail's table is written behind the log; closing flushes it
    closed = true;
    const tail = await cli('audit', 'tail', '--last', '1000');
    assert.equal(tail.code, 0, tail.stderr);
    const types = new Set(
      tail.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { type: string }).type),
    );
    for (const type of ['feed.created', 'feed.shown', 'admin.feed.revoked', 'admin.feed.created']) assert.ok(types.has(type), `${type} is in the trail`);
  });
});

describe('calendar feeds in local mode', () => {
  it('are refused, pointing to export_ics', async () => {
    const server = await TestServer.start();
    try {
      assert.match(await server.fails('get_calendar_feed', {}), /served by mcp-pa serve \(HTTP mode\).*export_ics/);
    } finally {
      await server.close();
    }
  });
});
