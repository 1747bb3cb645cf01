import { after } from 'node:test';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { startHttpServer } from '../../src/compose/http.js';
import { openRuntime, type OpenedRuntime } from '../../src/runtime.js';
import { seedHttpHome } from './pglite-template.js';
import { serverEnv } from './server.js';

export interface InProcessHttpServer {
  /** The public URL (the address it listens on: port 0, reported once bound). */
  url: string;
  mcpUrl: URL;
  runtime: OpenedRuntime;
  close(): Promise<void>;
}

const running = new Set<InProcessHttpServer>();
after(() => Promise.all([...running].map((server) => server.close())));

/**
 * `mcp-pa serve` built in this process on a clock the test moves: configuration from the given
 * environment as the CLI resolves it (HTTP mode, loopback, port 0), then whatever `prepare` adds
 * before it listens. For tests of time windows, which then pass without waiting.
 */
export async function startHttpInProcess(options: {
  home: string;
  env: Record<string, string>;
  clock: Clock;
  prepare?: (runtime: OpenedRuntime) => Promise<void>;
}): Promise<InProcessHttpServer> {
  const env = serverEnv(options.home, { MCP_HOST: '127.0.0.1', MCP_PORT: '0', ...options.env });
  await seedHttpHome(options.home, env);
  const runtime = await openRuntime(loadConfig({}, env, { mode: 'http' }), createLogger('silent'), options.clock);
  let handle;
  try {
    await options.prepare?.(runtime);
    handle = await startHttpServer(runtime);
  } catch (err) {
    await runtime.close();
    throw err;
  }
  let closed: Promise<void> | undefined;
  const server: InProcessHttpServer = {
    url: handle.url,
    mcpUrl: new URL(`${handle.url}/mcp`),
    runtime,
    close: () =>
      (closed ??= (async () => {
        running.delete(server);
        await handle.close();
        await runtime.close();
      })()),
  };
  running.add(server);
  return server;
}
