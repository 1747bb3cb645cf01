import assert from 'node:assert/strict';
import { after } from 'node:test';
import { auth, Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { HttpTestServer, withConfigFile } from '../../helpers/http-server.js';
import { modernToolCall } from '../../helpers/mcp-wire.js';
import { MemoryOAuthProvider, signInAndConsent } from '../../helpers/oauth.js';
import { runCli } from '../../helpers/server.js';
import { Balancer } from './haproxy.js';
import { freePort } from './ports.js';
import type { PostgresCluster } from './postgres-cluster.js';

export interface Person {
  email: string;
  password: string;
}

/** Every instance seals and opens the signing keys with this one key-encryption key. */
const KEY_ENCRYPTION_KEY = 'the fleet shares one key-encryption key';

const NEGOTIATION = { versionNegotiation: { mode: { pin: '2026-07-28' as const } } };

let requestIds = 0;
/** An id the balancer logs with the request (the client sends it as `x-fault-id`). */
const nextRequestId = () => `r${++requestIds}`;

/**
 * Several `mcp-pa serve` processes (the built binary) on one PostgreSQL database, each on a loopback
 * port of its own that it keeps across restarts, behind haproxy; the public URL (the issuer, the
 * tokens' audience) is the balancer's. They share nothing but the database and the key-encryption
 * key.
 */
export class Fleet {
  readonly instances: (HttpTestServer | undefined)[];
  balancer!: Balancer;

  private constructor(
    readonly url: string,
    readonly ports: number[],
    readonly home: string,
    readonly args: string[],
    readonly env: Record<string, string>,
  ) {
    this.instances = ports.map(() => undefined);
  }

  get mcpUrl(): URL {
    return new URL(`${this.url}/mcp`);
  }

  /** The balancer's name of instance i. */
  static nameOf(i: number): string {
    return `i${i + 1}`;
  }

  /**
   * Creates a database on the cluster, the people's accounts in it, then starts `size` instances at
   * once (migrations and the first signing keys race, as in a real roll-out) and the balancer.
   */
  static async start(cluster: PostgresCluster, options: { size?: number; config?: Record<string, unknown>; people?: Person[] } = {}): Promise<Fleet> {
    const database = `mcp_pa_${Math.random().toString(36).slice(2, 10)}`;
    await cluster.query(`CREATE DATABASE ${database}`);
    const { home, args } = withConfigFile({ mode: 'http', ...options.config });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      MCP_DATABASE_TYPE: 'postgresql',
      MCP_DATABASE_URL: cluster.url(database),
      MCP_DATABASE_APP_ROLE: `${database}_app`,
      MCP_OAUTH_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY,
      MCP_PUBLIC_URL: url,
    };
    for (const person of options.people ?? []) {
      const added = await runCli([...args, 'user', 'add', '--email', person.email], home, env, `${person.password}\n`);
      assert.equal(added.code, 0, added.stderr);
    }
    const ports: number[] = [];
    for (let i = 0; i < (options.size ?? 3); i++) ports.push(await freePort());
    const fleet = new Fleet(url, ports, home, args, env);
    fleets.add(fleet);
    await Promise.all(ports.map((_, i) => fleet.start(i)));
    fleet.balancer = await Balancer.start(
      port,
      ports.map((p, i) => ({ name: Fleet.nameOf(i), port: p })),
    );
    return fleet;
  }

  /** Starts instance i (again) on its port; resolves once it listens. */
  async start(i: number): Promise<HttpTestServer> {
    assert.equal(this.instances[i], undefined, `instance ${i} runs already`);
    // FAULTS_SERVER_NODE_OPTIONS: Node options for the servers alone (a profiler, a heap flag, a preload that tries a fix from outside).
    const node: Record<string, string> = process.env.FAULTS_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.FAULTS_SERVER_NODE_OPTIONS } : {};
    const server = await HttpTestServer.start({
      home: this.home,
      args: this.args,
      env: { ...this.env, ...node, MCP_PORT: String(this.ports[i]) },
      binary: true,
    });
    this.instances[i] = server;
    return server;
  }

  /** kill -9 of instance i; resolves once the process is gone. */
  async kill(i: number): Promise<void> {
    const server = this.instances[i]!;
    this.instances[i] = undefined;
    const exited = server.waitForExit();
    server.child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM to instance i (it finishes the requests in flight); resolves with its exit code once it has exited. */
  async stop(i: number): Promise<number | null> {
    const server = this.instances[i]!;
    this.instances[i] = undefined;
    return server.close();
  }

  /** Where instance i listens itself (bypassing the balancer). */
  direct(i: number): string {
    return `http://127.0.0.1:${this.ports[i]}`;
  }

  /** /readyz of instance i, asked directly: its status code. */
  async readiness(i: number): Promise<number> {
    const res = await fetch(`${this.direct(i)}/readyz`);
    await res.body?.cancel();
    return res.status;
  }

  /** A tools/call straight to instance i with a bearer token (no balancer, no SDK): the HTTP answer. */
  async directCall(i: number, token: string, name: string, args: Record<string, unknown> = {}) {
    const res = await fetch(`${this.direct(i)}/mcp`, modernToolCall(name, args, token));
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
  }

  /**
   * The official SDK client signs in once, through the balancer: its first request gets 401,
   * it registers (Dynamic Client Registration), the person signs in and consents on the pages
   * (each page and redirect may come from another instance), and it redeems the code.
   */
  async signIn(person: Person): Promise<Session> {
    const provider = new MemoryOAuthProvider();
    const transport = new StreamableHTTPClientTransport(this.mcpUrl, { authProvider: provider });
    await assert.rejects(new Client({ name: 'faults', version: '1' }, NEGOTIATION).connect(transport), UnauthorizedError);
    const callback = await signInAndConsent(provider.authorizationUrl!, provider.redirect, person);
    const seen = this.instances.map((s) => s?.logs.length ?? 0);
    try {
      await transport.finishAuth(callback.searchParams);
    } catch (err) {
      // What the instances said about the refusal (oidc-provider's reason is in their audit lines only).
      const said = this.instances.flatMap((s, i) => (s?.logs.slice(seen[i]) ?? []).filter((l) => /token\.|grant|error/.test(l)).map((l) => `i${i + 1}: ${l}`));
      throw new Error(`redeeming the code failed: ${(err as Error).message}\n${said.join('\n')}`, { cause: err });
    }
    assert.ok(provider.tokens()?.access_token, 'signed in');
    return new Session(this.mcpUrl, provider);
  }

  /** Stops the balancer and every instance (SIGTERM). */
  async close(): Promise<void> {
    fleets.delete(this);
    await this.balancer?.close();
    await Promise.all(this.instances.map((s, i) => s && this.stop(i)));
  }
}

const fleets = new Set<Fleet>();
after(() => Promise.all([...fleets].map((f) => f.close())));

/** One person's sign-in: their tokens (refreshed one refresh at a time: a refresh token works once) and clients. */
export class Session {
  #refreshing: Promise<unknown> = Promise.resolve();
  refreshes = 0;

  constructor(
    readonly mcpUrl: URL,
    readonly provider: MemoryOAuthProvider,
  ) {}

  get accessToken(): string {
    return this.provider.tokens()!.access_token;
  }

  /** A new MCP client with the session's tokens, through the balancer; each of its calls is tracked. */
  async client(): Promise<TrackedClient> {
    const tracked = new TrackedClient();
    const fetchFn: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-fault-id', tracked.requestId);
      const res = await fetch(input, { ...init, headers });
      tracked.servedBy = res.headers.get('x-served-by') ?? '';
      tracked.status = res.status;
      tracked.headers = res.headers;
      return res;
    };
    tracked.client = new Client({ name: 'faults', version: '1' }, NEGOTIATION);
    tracked.requestId = nextRequestId();
    await tracked.client.connect(new StreamableHTTPClientTransport(this.mcpUrl, { authProvider: this.provider, fetch: fetchFn }));
    return tracked;
  }

  /** Exchanges the refresh token for new tokens (the SDK's own refresh), never two at once. */
  refresh(): Promise<void> {
    const run = this.#refreshing.then(async () => {
      const spent = this.provider.tokens()!.refresh_token;
      const result = await auth(this.provider, { serverUrl: this.mcpUrl });
      assert.equal(result, 'AUTHORIZED');
      assert.notEqual(this.provider.tokens()!.refresh_token, spent, 'the refresh token rotated');
      this.refreshes++;
    });
    this.#refreshing = run.catch(() => undefined);
    return run;
  }
}

export interface Outcome {
  id: string;
  tool: string;
  start: number;
  end: number;
  ok: boolean;
  error?: string;
  servedBy: string;
  /** The HTTP status of the call's last request (0: no answer). */
  status: number;
  result?: Record<string, unknown>;
}

/** An MCP client whose calls carry a request id the balancer logs, and say which instance answered. */
export class TrackedClient {
  client!: Client;
  requestId = '';
  servedBy = '';
  status = 0;
  headers = new Headers();

  /** One tool call: its outcome, success or failure (a thrown error or a tool error), never thrown. */
  async call(tool: string, args: Record<string, unknown> = {}): Promise<Outcome> {
    this.requestId = nextRequestId();
    this.servedBy = '';
    this.status = 0;
    const outcome: Outcome = { id: this.requestId, tool, start: performance.now(), end: 0, ok: false, servedBy: '', status: 0 };
    try {
      const result = await this.client.callTool({ name: tool, arguments: args });
      outcome.ok = result.isError !== true;
      if (result.isError) outcome.error = JSON.stringify(result.content);
      outcome.result = result.structuredContent as Record<string, unknown> | undefined;
    } catch (err) {
      const cause = (err as Error).cause as { message?: string; code?: string } | undefined;
      outcome.error = `${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
    }
    outcome.end = performance.now();
    outcome.servedBy = this.servedBy;
    outcome.status = this.status;
    return outcome;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
