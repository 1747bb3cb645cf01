import { createRequire } from 'node:module';
import { McpServer, requireScopes, type ServerOptions } from '@modelcontextprotocol/server';
import { tenantWork, type McpDeps, type TenantWork } from './errors.js';
import { INSTRUCTIONS } from './instructions.js';
import { convertOnce } from './json-schema-cache.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { annotationsOf, scopeOf, type ToolDeclaration } from './tool.js';
import { TOOLS } from './tools/index.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const SERVER_VERSION = pkg.version;

for (const tool of TOOLS) {
  convertOnce(tool.input);
  convertOnce(tool.output);
}

function registerTool(server: McpServer, work: TenantWork, tool: ToolDeclaration) {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.input,
      outputSchema: tool.output,
      annotations: annotationsOf(tool),
      _meta: { 'mcp-pa/scope': scopeOf(tool) },
      // Over HTTP, a token without the tool's scope gets 403 insufficient_scope (no token, no check: stdio).
      scopeChallenge: requireScopes(scopeOf(tool)),
    },
    (input: unknown) =>
      work.tool(
        tool.access,
        tool.name,
        (domain) => tool.run(domain, input as never),
        (result) => ({
          content: [{ type: 'text' as const, text: tool.summarize(result) }, ...(tool.content?.(result) ?? [])],
          structuredContent: result as Record<string, unknown>,
        }),
      ),
  );
}

/**
 * A fully equipped MCP server acting for one tenant (local mode has one; HTTP mode takes it from
 * the access token). Cheap to build, so transports build one per connection or request.
 */
export function createMcpServer(deps: McpDeps, tenantId: string, extension?: ServerExtension): McpServer {
  const server = new McpServer(
    { name: 'mcp-pa', title: 'Personal assistant', version: SERVER_VERSION },
    {
      ...extension?.options,
      instructions: INSTRUCTIONS,
      capabilities: { tools: {}, resources: {}, prompts: {}, completions: {}, ...extension?.options?.capabilities },
    },
  );
  const work = tenantWork(deps, tenantId);
  for (const tool of TOOLS) registerTool(server, work, tool);
  registerResources(server, work);
  registerPrompts(server, work);
  extension?.register(server);
  return server;
}

/** More capabilities and registrations on every server built: for test harnesses (conformance fixtures). */
export interface ServerExtension {
  options?: Omit<ServerOptions, 'instructions'>;
  register(server: McpServer): void;
}
