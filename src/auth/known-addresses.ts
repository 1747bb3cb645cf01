import crypto from 'node:crypto';
import { isoNow, type Clock } from '../clock.js';
import { networkOf } from '../security/request-keys.js';
import type { Engine } from '../storage/engine.js';
import { SIGN_IN_ADDRESS_MEMORY_MS } from '../storage/oauth-records.js';

/**
 * The networks (see networkOf) each account signed in from successfully in the last 30 days. Kept
 * as keyed pseudonyms of (account, network): the table says nothing about where anyone was
 * without the key, and an IPv4 address cannot be found by trying all of them.
 */
export class KnownAddresses {
  readonly #key: Buffer;

  constructor(
    private readonly engine: Engine,
    kek: Buffer,
    private readonly clock: Clock,
  ) {
    this.#key = crypto.createHmac('sha256', kek).update('mcp-pa known sign-in addresses').digest();
  }

  #rowKey(subject: string, address: string): string {
    return crypto
      .createHmac('sha256', this.#key)
      .update(`${subject}\n${networkOf(address)}`)
      .digest('base64url');
  }

  /** Whether the account signed in successfully from this address's network recently. */
  async has(subject: string, address: string | undefined): Promise<boolean> {
    if (!address) return false;
    const since = new Date(this.clock.now() - SIGN_IN_ADDRESS_MEMORY_MS).toISOString();
    const row = await this.engine.db
      .selectFrom('sign_in_addresses')
      .select('key')
      .where('key', '=', this.#rowKey(subject, address))
      .where('last_success_at', '>=', since)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Notes a successful sign-in from this address (its 30 days start again). */
  async remember(subject: string, address: string | undefined): Promise<void> {
    if (!address) return;
    const now = isoNow(this.clock);
    await this.engine.db
      .insertInto('sign_in_addresses')
      .values({ key: this.#rowKey(subject, address), last_success_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ last_success_at: now }))
      .execute();
  }
}
