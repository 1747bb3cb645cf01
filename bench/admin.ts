// The benchmarks' administrative connection to PostgreSQL (BENCH_DATABASE_URL).
import pg from 'pg';

export function adminUrl(): string {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error('set BENCH_DATABASE_URL to a PostgreSQL role that may create databases and roles');
  return url;
}

export async function adminQuery(query: string) {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}
