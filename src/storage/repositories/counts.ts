import { countsOf, type Counting } from './windows.js';
import type { Fetch } from './fetches.js';
import type { TenantScope } from './scope.js';

/** Counts of one tenant's items. */
export class CountRepository {
  constructor(private readonly scope: TenantScope) {}

  /** Live items per bucket ("todos.open", "projects.in_progress", "documents", ...), kept by triggers. */
  live(): Fetch<(bucket: string) => number> {
    return {
      query: this.scope.db.selectFrom('item_counts').select(['bucket', 'n']).where('tenant_id', '=', this.scope.tenantId),
      read: (rows) => {
        const counts = new Map(rows.map((r) => [r.bucket as string, Number(r.n)]));
        return (bucket) => counts.get(bucket) ?? 0;
      },
    };
  }

  /** For each counting (made by a repository), how many of its rows meet each condition: see countsOf. */
  each(countings: readonly Counting[]): Fetch<number[][]> {
    return countsOf(this.scope, countings);
  }
}
