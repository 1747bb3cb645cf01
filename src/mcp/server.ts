import { createRequire } from 'node:module';
import { CLIENT_INFO_META_KEY, McpServer, requireScopes, type ServerOptions } from '@modelcontextprotocol/server';
import { tenantWork, type McpDeps, type TenantWork } from './errors.js';
import { INSTRUCTIONS } from './instructions.js';
import { readWords } from '../domain/common/words.js';
import { hasControlCharacters } from '../domain/common/fields.js';
import type { Reading } from '../domain/context.js';
import { convertOnce, shownAs } from './json-schema-cache.js';
import { registerPrompts } from './prompts.js';
import { refusalsCounted } from './refusals-counted.js';
import { registerResources } from './resources.js';
import type { ToolOffer } from './offer.js';
import { annotationsOf, scopeOf, type ToolDeclaration } from './tool.js';
import { TOOLS } from './tools/index.js';
import { contextFrom, inSpan } from '../tracing.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const SERVER_VERSION = pkg.version;

/** Each tool's schemas as registered: converted once, and listed as `shown` where a tool says so. */
const SCHEMAS = new Map(
  TOOLS.map((tool) => {
    convertOnce(tool.input);
    convertOnce(tool.output);
    const input = refusalsCounted(tool.name, tool.shown?.input ? shownAs(tool.input, tool.shown.input) : tool.input);
    const output = tool.shown?.output ? shownAs(tool.output, tool.shown.output) : tool.output;
    return [tool.name, { input, output }] as const;
  }),
);

/**
 * Who a call comes from when the transport does not say (stdio): the client's own name, from the
 * request's envelope (2026-07-28) or its initialize (2025-11-25).
 */
function clientNamed(server: McpServer, ctx: unknown): string {
  const envelope = (ctx as { mcpReq?: { envelope?: Record<string, unknown> } } | undefined)?.mcpReq?.envelope;
  const info = (envelope?.[CLIENT_INFO_META_KEY] as { name?: unknown } | undefined) ?? server.server.getClientVersion();
  // The client says it of itself: kept to printable text, and short, before the history shows it.
  const name =
    typeof info?.name === 'string'
      ? [...info.name]
          .filter((c) => !hasControlCharacters(c))
          .join('')
          .trim()
          .slice(0, 100)
      : '';
  return name || 'unknown client';
}

function registerTool(server: McpServer, work: TenantWork, tool: ToolDeclaration, deps: McpDeps) {
  const { offer } = deps;
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: typeof tool.description === 'string' ? tool.description : tool.description(offer),
      inputSchema: SCHEMAS.get(tool.name)!.input as typeof tool.input,
      outputSchema: SCHEMAS.get(tool.name)!.output as typeof tool.output,
      annotations: annotationsOf(tool),
      // Over HTTP, a token without the tool's scope gets 403 insufficient_scope (no token, no check: stdio).
      scopeChallenge: requireScopes(scopeOf(tool)),
    },
    (input: unknown, ctx: unknown) => {
      const startedAt = performance.now();
      // The client's trace (its _meta, SEP-414) when it sent one, else the HTTP request's headers'.
      const parent = contextFrom((ctx as { mcpReq?: { _meta?: Record<string, unknown> } } | undefined)?.mcpReq?._meta);
      const attributes = { 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool.name };
      return inSpan(`tools/call ${tool.name}`, { kind: 'server', parent, attributes, outcome: (r) => (r.isError ? 'tool_error' : undefined) }, async () => {
        const prepared = tool.prepare ? await tool.prepare(input as never, deps) : undefined;
        return work.tool(
          tool.access,
          tool.name,
          async (domain) => ({ result: await tool.run(domain, await readWords(domain, tool.input, input as never), prepared), readings: domain.readings }),
          ({ result, readings }) => ({
            content: [{ type: 'text' as const, text: tool.summarize(result) + readingsText(readings) }, ...(tool.content?.(result) ?? [])],
            structuredContent: result as Record<string, unknown>,
          }),
          () => clientNamed(server, ctx),
          startedAt,
        );
      });
    },
  );
}

/** How the words of a call were read ("next fri" as 2026-12-11), so the person can check. */
const readingsText = (readings: readonly Reading[]) =>
  readings.length ? `\nRead ${readings.map((r) => `${r.field} ${JSON.stringify(r.said)} as ${r.read}`).join('; ')}.` : '';

const SERVER_INFO = { name: 'mcp-pa', title: 'Personal assistant', version: SERVER_VERSION };

type Capabilities = ReturnType<McpServer['server']['getCapabilities']>;

function newServer(extension: ServerExtension | undefined, capabilities: Capabilities): McpServer {
  return new McpServer(SERVER_INFO, { ...extension?.options, instructions: INSTRUCTIONS, capabilities });
}

/**
 * A fully equipped MCP server acting for one tenant (local mode has one; HTTP mode takes it from
 * the access token). Cheap to build, so transports build one per connection or request.
 */
export function createMcpServer(deps: McpDeps, tenantId: string, extension?: ServerExtension, actor?: () => string | Promise<string>): McpServer {
  const server = newServer(extension, { tools: {}, resources: {}, prompts: {}, completions: {}, ...extension?.options?.capabilities });
  const work = tenantWork(deps, tenantId, actor);
  for (const tool of deps.offer.tools) registerTool(server, work, tool, deps);
  registerResources(server, work);
  registerPrompts(server, work);
  extension?.register(server);
  return server;
}

/** The tools of an offer by name, indexed once per offer. */
const OFFERED = new WeakMap<ToolOffer, ReadonlyMap<string, ToolDeclaration>>();

function offeredTool(offer: ToolOffer, name: string): ToolDeclaration | undefined {
  let byName = OFFERED.get(offer);
  if (!byName) OFFERED.set(offer, (byName = new Map(offer.tools.map((tool) => [tool.name, tool]))));
  return byName.get(name);
}

/** What a fully equipped server declares once its registrations are made: read once from one such server. */
const FULL_CAPABILITIES = new WeakMap<McpDeps, Capabilities>();

function fullCapabilities(deps: McpDeps): Capabilities {
  let capabilities = FULL_CAPABILITIES.get(deps);
  if (!capabilities) FULL_CAPABILITIES.set(deps, (capabilities = createMcpServer(deps, '').server.getCapabilities()));
  return capabilities;
}

/** The tool a single JSON-RPC `tools/call` request names; undefined for any other message. */
function calledToolName(message: unknown): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined;
  const { method, id, params } = message as { method?: unknown; id?: unknown; params?: { name?: unknown } };
  if (method !== 'tools/call' || id === undefined || params === null || typeof params !== 'object') return undefined;
  return typeof params.name === 'string' ? params.name : undefined;
}

/**
 * The server for one stateless HTTP request, whose JSON-RPC message is `message`. A `tools/call`
 * of an offered tool gets a server with that tool alone: for a call the SDK consults only the
 * called tool's registration (its schemas, its scope challenge, its Mcp-Name header), so the other
 * tools, the resources and the prompts, whose building was most of a request's server, are left
 * out; the server declares the same capabilities as a full one. Any other message (a list, a read,
 * an unknown tool, a test harness's extension) gets the full server.
 */
export function createRequestServer(
  deps: McpDeps,
  tenantId: string,
  message: unknown,
  extension?: ServerExtension,
  actor?: () => string | Promise<string>,
): McpServer {
  const name = extension ? undefined : calledToolName(message);
  const tool = name === undefined ? undefined : offeredTool(deps.offer, name);
  if (!tool) return createMcpServer(deps, tenantId, extension, actor);
  const server = newServer(undefined, fullCapabilities(deps));
  registerTool(server, tenantWork(deps, tenantId, actor), tool, deps);
  return server;
}

/** More capabilities and registrations on every server built: for test harnesses (conformance fixtures). */
export interface ServerExtension {
  options?: Omit<ServerOptions, 'instructions'>;
  register(server: McpServer): void;
}
