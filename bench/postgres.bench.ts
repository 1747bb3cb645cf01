// The local server on SQLite beside the same server on a PostgreSQL server that holds 100
// tenants of 10k items each, measured over stdio in one run. Needs BENCH_DATABASE_URL: a role that
// may create a database and roles (the database mcp_pa_bench is dropped and created afresh).
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:postgres
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { exportTenant, importTenant } from '../src/domain/transfer/service.js';
import { createLogger } from '../src/logging.js';
import { LOCAL_TENANT, openRuntime } from '../src/runtime.js';
import { adminQuery, adminUrl } from './admin.js';
import { measure } from './measure.js';
import { seed, type Volume } from './seed.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const PER_TENANT: Volume = { todos: 5_000, projects: 500, tasks: 2_500, events: 1_500, documents: 500 };
const admin = adminUrl();
const log = (msg: string) => console.error(`[bench] ${msg}`);

const started = Date.now();
const sqliteHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-bench-pg-'));
log('seeding one tenant of 10k items on SQLite');
await seed(sqliteHome, PER_TENANT, log);
const quiet = createLogger('silent');
const source = await openRuntime(loadConfig({}, { HOME: sqliteHome }), quiet);
const data = await source.run('read', LOCAL_TENANT, exportTenant);
await source.close();

await adminQuery('DROP DATABASE IF EXISTS mcp_pa_bench WITH (FORCE)');
await adminQuery('CREATE DATABASE mcp_pa_bench');
const url = new URL(admin);
url.pathname = '/mcp_pa_bench';
const pgEnv = { MCP_DATABASE_TYPE: 'postgresql', MCP_DATABASE_URL: url.toString(), MCP_DATABASE_APP_ROLE: 'mcp_pa_bench_app' };
const pgHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-bench-pgh-'));
const target = await openRuntime(loadConfig({}, { HOME: pgHome, ...pgEnv }), quiet);
for (let i = 0; i < TENANTS; i++) {
  const tenant = i === 0 ? LOCAL_TENANT : `bench-${String(i).padStart(3, '0')}`;
  await target.ensureTenant(tenant);
  await target.run('write', tenant, (ctx) => importTenant(ctx, data, { replace: false }));
  if (i % 10 === 9) log(`imported ${i + 1}/${TENANTS} tenants`);
}
await target.close();
log('VACUUM ANALYZE');
{
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query('VACUUM ANALYZE');
  const size = await client.query(`SELECT pg_database_size('mcp_pa_bench') AS bytes`);
  await client.end();
  log(`database size ${Math.round(Number(size.rows[0].bytes) / 1024 / 1024)} MB`);
}

const sqlite = await measure(sqliteHome, {}, { full: true });
const postgres = await measure(pgHome, pgEnv, { full: true });
const ratios = Object.fromEntries(
  Object.keys(postgres.latency_ms).map((k) => [k, Math.round((postgres.latency_ms[k]!.p50 / sqlite.latency_ms[k]!.p50) * 100) / 100]),
);
const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version },
  tenants: TENANTS,
  items_per_tenant: PER_TENANT,
  sqlite,
  postgres,
  postgres_to_sqlite_p50: ratios,
  total_seconds: Math.round((Date.now() - started) / 1000),
};
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/postgres.json', JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
if (process.env.BENCH_KEEP) {
  log(`kept: ${sqliteHome} (SQLite) and the database mcp_pa_bench`);
} else {
  await adminQuery('DROP DATABASE IF EXISTS mcp_pa_bench WITH (FORCE)');
  await adminQuery('DROP ROLE IF EXISTS mcp_pa_bench_app');
  for (const home of [sqliteHome, pgHome]) fs.rmSync(home, { recursive: true, force: true });
}
