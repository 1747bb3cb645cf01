import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/server.js';

describe('status tools', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('get_status starts empty, in the system time zone', async () => {
    const status = await server.ok<{ name: null; timezone: string; timezone_source: string; permissions: string[] }>('get_status');
    assert.equal(status.name, null);
    assert.equal(status.timezone, 'UTC');
    assert.equal(status.timezone_source, 'system');
    assert.deepEqual(status.permissions, []);
  });

  it('update_status changes only the fields given and null clears one', async () => {
    await server.ok('update_status', { name: 'Ada', city: 'Berlin', country: 'Germany', laptop_os: 'Linux', permissions: ['may read my calendar'] });
    const status = await server.ok<{
      name: string;
      location: { city: string | null; country: string };
      laptop: { os: string };
      permissions: string[];
    }>('update_status', { city: null, timezone: 'Europe/Berlin' });
    assert.equal(status.name, 'Ada');
    assert.equal(status.location.city, null);
    assert.equal(status.location.country, 'Germany');
    assert.equal(status.laptop.os, 'Linux');
    assert.deepEqual(status.permissions, ['may read my calendar']);
    const again = await server.ok<{ timezone: string; timezone_source: string }>('get_status');
    assert.equal(again.timezone, 'Europe/Berlin');
    assert.equal(again.timezone_source, 'profile');
  });

  it('get_current_time answers in the profile zone with its offset', async () => {
    await server.ok('update_status', { timezone: 'Asia/Kolkata' });
    const time = await server.ok<{ now: string; timezone: string; utc_offset: string; unix_ms: number }>('get_current_time');
    assert.equal(time.timezone, 'Asia/Kolkata');
    assert.equal(time.utc_offset, '+05:30');
    assert.match(time.now, /\+05:30$/);
    assert.ok(Math.abs(time.unix_ms - server.clock!.now()) < 60_000, 'the time of the server’s clock');
    await server.ok('update_status', { timezone: null });
    const back = await server.ok<{ timezone: string }>('get_current_time');
    assert.equal(back.timezone, 'UTC');
  });

  it('refuses an unknown time zone, naming the field', async () => {
    const message = await server.fails('update_status', { timezone: 'Mars/Olympus' });
    assert.match(message, /timezone/);
    assert.match(message, /IANA/);
  });

  it('refuses an update with nothing to change', async () => {
    assert.match(await server.fails('update_status', {}), /at least one field/);
  });

  it('refuses control characters and over-long text', async () => {
    assert.match(await server.fails('update_status', { name: 'Ada\u0000Lovelace' }), /control characters/);
    assert.match(await server.fails('update_status', { city: 'x'.repeat(201) }), /at most 200/);
  });
});
