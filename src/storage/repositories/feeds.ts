import type { Row } from './items.js';
import type { TenantScope } from './scope.js';

export type FeedRow = Row<'calendar_feeds'>;

/** One tenant's calendar feed (at most one): its secret's keyed hash and the secret sealed. */
export class CalendarFeedRepository {
  constructor(private readonly scope: TenantScope) {}

  async find(): Promise<FeedRow | undefined> {
    const row = await this.scope.db.selectFrom('calendar_feeds').selectAll().where('tenant_id', '=', this.scope.tenantId).executeTakeFirst();
    if (!row) return undefined;
    const { tenant_id: _tenant, ...feed } = row;
    return feed;
  }

  async create(feed: FeedRow): Promise<void> {
    await this.scope.db
      .insertInto('calendar_feeds')
      .values({ ...feed, tenant_id: this.scope.tenantId })
      .execute();
  }

  /** Removes the feed: its URL stops working at once. True when there was one. */
  async revoke(): Promise<boolean> {
    const result = await this.scope.db.deleteFrom('calendar_feeds').where('tenant_id', '=', this.scope.tenantId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
