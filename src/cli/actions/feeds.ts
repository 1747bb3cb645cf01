import type { Cli } from '../io.js';
import { getCalendarFeed, revokeCalendarFeed } from '../../domain/feeds/service.js';
import { adminEvent, withAdminRuntime } from '../admin.js';
import { tenantOf, type PersonOptions } from './ics.js';

export async function runCreate(cli: Cli, options: PersonOptions) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const tenant = await tenantOf(runtime, options);
    await runtime.ensureTenant(tenant);
    const feed = await runtime.run('write', tenant, getCalendarFeed);
    await adminEvent(runtime, { type: feed.created ? 'admin.feed.created' : 'admin.feed.shown', actor: options.email ?? tenant });
    cli.io.stdout.write(`${feed.url}\n`);
    cli.io.stderr.write(
      `mcp-pa: ${feed.created ? 'made' : 'the existing'} calendar feed; anyone with this address can read the calendar (mcp-pa feed revoke withdraws it)\n`,
    );
  });
}

export async function runRevoke(cli: Cli, options: PersonOptions) {
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const tenant = await tenantOf(runtime, options);
    const revoked = await runtime.run('write', tenant, revokeCalendarFeed);
    if (revoked) await adminEvent(runtime, { type: 'admin.feed.revoked', actor: options.email ?? tenant });
    cli.io.stdout.write(revoked ? 'revoked the calendar feed: its address no longer works\n' : 'there was no calendar feed to revoke\n');
  });
}
