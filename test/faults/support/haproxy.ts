import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after } from 'node:test';
import { tempHome } from '../../helpers/tmp.js';

export interface Backend {
  name: string;
  port: number;
}

/**
 * One line of haproxy's log: the request's id (the client's `x-fault-id`, if it sent one), the
 * server that took it, its status, how it ended (`--` normally, `SH` when the server dropped it),
 * its method and path.
 */
export interface BalancerLogEntry {
  id: string;
  server: string;
  status: number;
  termination: string;
  method: string;
  path: string;
}

/** What haproxy says of one server (`show stat`): UP, DOWN, MAINT, …, and its sessions now. */
export interface ServerState {
  status: string;
  current: number;
}

/** Health checks every 200 ms; two failures in a row take a server out, two successes put it back. */
const CHECK = 'inter 200ms fastinter 200ms downinter 200ms fall 2 rise 2';

/**
 * Debian's haproxy in front of `mcp-pa serve` instances on loopback, as an operator would put it:
 * round-robin per request, health checks on /readyz, and a request whose connection to a server
 * fails (refused: the server has gone) tried again on another. A request a server took and then
 * dropped is not tried again (it may have changed something): the client sees 502. Its log (one
 * line per request, to stdout) and its admin socket are the test's to read.
 */
export class Balancer {
  readonly log: BalancerLogEntry[] = [];
  readonly #logged = new EventEmitter();
  #pending = '';
  #exited: Promise<unknown>;

  private constructor(
    readonly url: string,
    readonly backends: Backend[],
    private readonly child: ChildProcess,
    private readonly socket: string,
    readonly output: string[],
  ) {
    this.#exited = once(child, 'exit');
    child.stdout!.on('data', (chunk: Buffer) => this.#record(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  }

  /**
   * Starts haproxy on `port` in front of the backends; `host` is the Host the health checks send (the
   * public URL's: the servers refuse any other). Resolves once every backend is UP.
   */
  static async start(port: number, backends: Backend[], host = `127.0.0.1:${port}`): Promise<Balancer> {
    const dir = tempHome('mcp-pa-haproxy-');
    const socket = path.join(dir, 'admin.sock');
    const config = [
      'global',
      '  log stdout format raw local0',
      `  stats socket ${socket} mode 600 level admin`,
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  log global',
      '  timeout connect 5s',
      '  timeout client 120s',
      '  timeout server 120s',
      '  timeout check 10s',
      // A connection refused (the server has gone) is tried again, on another server.
      '  retries 3',
      '  option redispatch 1',
      // One connection per request, on both sides. To the servers: an idle kept-alive connection
      // that a stopping or killed server has just closed is never reused. To the client: when a
      // server drops a request that was not the first on a kept-alive client connection, haproxy
      // closes that connection without an answer or a log line (so that a browser retries); with a
      // connection per request, each such request is answered 502 and logged with its server.
      '  option httpclose',
      'frontend mcp',
      `  bind 127.0.0.1:${port}`,
      '  http-request capture req.hdr(x-fault-id) len 32',
      '  log-format "%[capture.req.hdr(0)] %s %ST %tsc %HM %HP"',
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      '  option httpchk',
      `  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host ${host}`,
      '  http-check expect status 200',
      '  http-response set-header x-served-by %s',
      `  default-server ${CHECK}`,
      ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
      '',
    ].join('\n');
    const file = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(file, config);
    const bin = haproxyBin();
    const check = spawn(bin, ['-c', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let checkOutput = '';
    check.stderr!.on('data', (c: Buffer) => (checkOutput += c.toString()));
    check.stdout!.on('data', (c: Buffer) => (checkOutput += c.toString()));
    const [code] = (await once(check, 'exit')) as [number];
    if (code !== 0) throw new Error(`haproxy refused its configuration:\n${checkOutput}\n${config}`);
    const child = spawn(bin, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const balancer = new Balancer(`http://127.0.0.1:${port}`, backends, child, socket, []);
    running.add(balancer);
    child.once('exit', (code) => void (code !== null && code !== 0 && balancer.output.push(`haproxy exited with ${code}`)));
    await balancer.waitFor(
      backends.map((b) => b.name),
      'UP',
    );
    return balancer;
  }

  #record(text: string) {
    const lines = (this.#pending + text).split('\n');
    this.#pending = lines.pop()!;
    for (const line of lines) {
      const [id, server, status, termination, method, url] = line.trim().split(' ');
      // haproxy's own notices (a server going down or up) go to the same stream.
      if (url === undefined || !/^(-|r\d+)$/.test(id!)) {
        this.output.push(line);
        continue;
      }
      this.log.push({ id: id === '-' ? '' : id!, server: server!, status: Number(status), termination: termination!, method: method!, path: url });
      this.#logged.emit('line');
    }
  }

  /** Resolves once haproxy has logged the requests with these ids (it logs a request when it ends). */
  async logged(ids: string[], deadlineMs = 60_000): Promise<Map<string, BalancerLogEntry>> {
    const deadline = AbortSignal.timeout(deadlineMs);
    for (;;) {
      const byId = new Map(this.log.filter((e) => e.id).map((e) => [e.id, e]));
      if (ids.every((id) => byId.has(id))) return byId;
      try {
        await once(this.#logged, 'line', { signal: deadline });
      } catch {
        throw new Error(`haproxy did not log requests ${ids.filter((id) => !byId.has(id)).join(', ')} within ${deadlineMs} ms`);
      }
    }
  }

  /** A command on haproxy's admin socket; its answer. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let answer = '';
      const connection = net.createConnection(this.socket, () => connection.end(`${line}\n`));
      connection.setEncoding('utf8');
      connection.on('data', (chunk: string) => (answer += chunk));
      connection.on('end', () => resolve(answer));
      connection.on('error', reject);
    });
  }

  /** Every backend server's state, by name. */
  async servers(): Promise<Map<string, ServerState>> {
    const [header, ...rows] = (await this.command('show stat')).trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    const states = new Map<string, ServerState>();
    for (const row of rows.map((r) => r.split(','))) {
      if (row[at('pxname')] !== 'instances' || ['FRONTEND', 'BACKEND'].includes(row[at('svname')]!)) continue;
      states.set(row[at('svname')]!, { status: row[at('status')]!, current: Number(row[at('scur')]) });
    }
    return states;
  }

  /**
   * Waits until haproxy reports each of these servers in `status` (UP, DOWN, MAINT, DRAIN): its health
   * checks run every 200 ms, so this polls at that pace, for at most `deadlineMs`.
   */
  async waitFor(names: string[], status: string, deadlineMs = 60_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    let states = new Map<string, ServerState>();
    for (;;) {
      try {
        states = await this.servers();
        if (names.every((n) => states.get(n)?.status.startsWith(status))) return;
      } catch {
        // The admin socket is not there yet: haproxy is starting.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `haproxy did not report ${names.join(', ')} ${status} within ${deadlineMs} ms: ${JSON.stringify([...states])}\n${this.output.join('')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    running.delete(this);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.#exited;
  }
}

const running = new Set<Balancer>();
after(() => Promise.all([...running].map((b) => b.close())));

/** haproxy from the PATH or /usr/sbin (Debian's package); the fault tests need it (never skipped). */
function haproxyBin(): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (dir && fs.existsSync(path.join(dir, 'haproxy'))) return path.join(dir, 'haproxy');
  }
  throw new Error('the fault tests need haproxy: apt-get install haproxy');
}
