import { countEach, type Counting } from './windows.js';
import type { TenantScope } from './scope.js';

/** Counts of one tenant's items. */
export class CountRepository {
  constructor(private readonly scope: TenantScope) {}

  /** Live items per bucket ("todos.open", "projects.in_progress", "documents", ...), kept by triggers. */
  async live(): Promise<(bucket: string) => number> {
    const rows = await this.scope.db.selectFrom('item_counts').select(['bucket', 'n']).where('tenant_id', '=', this.scope.tenantId).execute();
    const counts = new Map(rows.map((r) => [r.bucket, Number(r.n)]));
    return (bucket) => counts.get(bucket) ?? 0;
  }

  /** For each counting (made by a repository), how many of its rows meet each condition: see countEach. */
  each(countings: readonly Counting[]): Promise<number[][]> {
    return countEach(this.scope, countings);
  }
}
