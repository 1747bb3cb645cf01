import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { Fleet, type Person, type Session, type TrackedClient } from './fleet.js';
import { PostgresCluster } from './postgres-cluster.js';

/** What a fault suite runs on: a private cluster, the fleet on it behind the balancer, one person signed in, her clients. */
export interface FleetSuite {
  cluster: PostgresCluster;
  fleet: Fleet;
  session: Session;
  clients: TrackedClient[];
}

/** Made before the suite's tests (rate limits far above the load), gone after them. */
export function fleetSuite(person: Person, workers: number): FleetSuite {
  const suite = {} as FleetSuite;
  before(async () => {
    suite.cluster = await PostgresCluster.create();
    suite.fleet = await Fleet.start(suite.cluster, { people: [person], config: { rate_limits: { mcp_per_minute: 1_000_000 } } });
    suite.session = await suite.fleet.signIn(person);
    suite.clients = await Promise.all(Array.from({ length: workers }, () => suite.session.client()));
  });
  after(async () => {
    await Promise.all((suite.clients ?? []).map((c) => c.close()));
    await suite.fleet?.close();
    await suite.cluster?.destroy();
  });
  return suite;
}

/** Every todo a client was told was created (id → title) is in the fleet's database. */
export async function assertAcknowledgedTodosThere({ cluster, fleet }: FleetSuite, acknowledged: Map<string, string>): Promise<void> {
  const database = new URL(fleet.env.MCP_DATABASE_URL!).pathname.slice(1);
  const rows = await cluster.query<{ id: string; title: string }>('SELECT id, title FROM todos WHERE id = ANY($1)', [[...acknowledged.keys()]], database);
  const found = new Map(rows.map((r) => [r.id, r.title]));
  const missing = [...acknowledged].filter(([id, title]) => found.get(id) !== title);
  assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.size} acknowledged todos are missing`);
}
