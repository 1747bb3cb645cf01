import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { tempHome } from '../../helpers/tmp.js';
import { freePort } from './ports.js';

/**
 * A PostgreSQL cluster of the test's own, made with initdb in a temporary directory and run by
 * pg_ctl on a free loopback port: the fault tests stop, crash and restart it, which they must never
 * do to the machine's shared server. Run as the `postgres` user when the tests run as root (initdb
 * refuses root). Stopped and removed when the test file ends.
 */
export class PostgresCluster {
  #running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly bin: string,
    readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** The superuser's URL for a database of the cluster (trust authentication, loopback only). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get data(): string {
    return path.join(this.dir, 'data');
  }

  static async create(): Promise<PostgresCluster> {
    const dir = tempHome('mcp-pa-pgcluster-');
    const user = process.getuid?.() === 0 ? postgresUser() : undefined;
    if (user) {
      grantTraverse(dir);
      fs.chownSync(dir, user.uid, user.gid);
    }
    const cluster = new PostgresCluster(dir, await freePort(), postgresBin(), user);
    clusters.add(cluster);
    cluster.#run('initdb', ['-D', cluster.data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    // Small, and on loopback only; the socket directory is the cluster's own.
    fs.appendFileSync(
      path.join(cluster.data, 'postgresql.conf'),
      [
        `port = ${cluster.port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        'max_connections = 100',
        'shared_buffers = 32MB',
        'fsync = on',
        'logging_collector = off',
        '',
      ].join('\n'),
    );
    await cluster.start();
    return cluster;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    this.#run('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '120', 'start']);
    this.#running = true;
  }

  /**
   * Stops the server: `fast` (clients disconnected, a checkpoint, as a service restart does) or
   * `immediate` (no checkpoint: the next start recovers from the WAL, as after a crash).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.#run('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '120', 'stop']);
    this.#running = false;
  }

  /** A query as the superuser (which row-level security does not hold back). */
  async query<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** Stops the server (if it runs) and removes its directory. */
  async destroy(): Promise<void> {
    clusters.delete(this);
    if (this.#running) await this.stop('immediate').catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  #run(tool: string, args: string[]): void {
    try {
      execFileSync(path.join(this.bin, tool), args, {
        cwd: this.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}),
        env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' },
        timeout: 180_000,
      });
    } catch (err) {
      const e = err as { stderr?: Buffer; stdout?: Buffer };
      const log = path.join(this.dir, 'server.log');
      throw new Error(
        `${tool} ${args.join(' ')} failed: ${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}${fs.existsSync(log) ? `\nserver log:\n${fs.readFileSync(log, 'utf8').slice(-3000)}` : ''}`,
        { cause: err },
      );
    }
  }
}

const clusters = new Set<PostgresCluster>();
after(() => Promise.all([...clusters].map((c) => c.destroy())));

/** The directory of initdb and pg_ctl: on the PATH, or Debian's newest /usr/lib/postgresql/<version>/bin. */
function postgresBin(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const initdb = path.join(dir, 'initdb');
    if (dir && fs.existsSync(initdb)) return path.dirname(fs.realpathSync(initdb));
  }
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian) ? fs.readdirSync(debian).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(debian, v, 'bin')).find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!found) throw new Error('the fault tests need PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql');
  return found;
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
    return { uid: uid!, gid: gid! };
  } catch {
    throw new Error('running as root, the fault tests run PostgreSQL as the user postgres, and there is none');
  }
}

/** Lets another user pass through (not list) every directory above `dir`: the postgres user must reach its cluster. */
function grantTraverse(dir: string): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const { mode } = fs.statSync(d);
    if ((mode & 0o001) === 0) fs.chmodSync(d, (mode & 0o7777) | 0o011);
    if (d === path.dirname(d)) return;
  }
}
