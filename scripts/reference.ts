import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logging.js';
import { toolOffer } from '../src/mcp/offer.js';
import { createMcpServer } from '../src/mcp/server.js';
import { scopeOf } from '../src/mcp/tool.js';
import { TOOLS } from '../src/mcp/tools/index.js';
import { LOCAL_TENANT, openRuntime } from '../src/runtime.js';
import { NO_QUERY_EMBEDDINGS } from '../src/domain/search/recall.js';

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  minLength?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** A property with the shared definition it refers to ($ref) merged in, its own keywords first. */
function resolved(p: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema {
  const def = p.$ref ? defs[p.$ref.replace('#/$defs/', '')] : undefined;
  const own = { ...def, ...p, description: [p.description, def?.description].filter(Boolean).join(' ') || undefined };
  return own.anyOf ? { ...own, anyOf: own.anyOf.map((a) => resolved(a, defs)) } : own;
}

/** The bounds the schema states, in words for the reference. */
function bounds(p: JsonSchema): string {
  const said = [];
  if (p.minLength !== undefined && p.maxLength !== undefined) said.push(`${p.minLength}-${p.maxLength} characters.`);
  else if (p.maxLength !== undefined) said.push(`Up to ${p.maxLength} characters.`);
  if (p.maxItems !== undefined) said.push(`Up to ${p.maxItems} items.`);
  return said.join(' ');
}

function typeName(s: JsonSchema): string {
  if (s.anyOf) return [...new Set(s.anyOf.map(typeName))].join(' or ');
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(', ');
  if (s.type === 'array') return `array of ${s.items ? typeName(s.items) : 'any'}`;
  if (Array.isArray(s.type)) return s.type.join(' or ');
  return s.type ?? 'any';
}

/** The scope a tool needs, from its declaration (the tool list says it as readOnlyHint). */
const scopeOfTool = (name: string) => scopeOf(TOOLS.find((tool) => tool.name === name)!);

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function argumentsTable(schema: JsonSchema): string {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return 'No arguments.\n';
  const required = new Set(schema.required ?? []);
  const rows = props.map(([name, given]) => {
    const p = resolved(given, schema.$defs ?? {});
    const notes = [p.description ?? p.anyOf?.find((a) => a.description)?.description ?? '', bounds(p)];
    if (p.default !== undefined) notes.push(`Default: \`${JSON.stringify(p.default)}\`.`);
    return `| \`${name}\` | ${cell(typeName(p))} | ${required.has(name) && p.default === undefined ? 'yes' : ''} | ${cell(notes.filter(Boolean).join(' '))} |`;
  });
  return ['| argument | type | required | description |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}

/**
 * The tool, resource and prompt reference, generated from what the server itself advertises
 * (an in-memory MCP client asks a real server), so the docs cannot drift from the declarations.
 */
export async function generateReference(): Promise<string> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-docs-'));
  const runtime = await openRuntime(loadConfig({}, { HOME: home }), createLogger('silent'));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createMcpServer({ ...runtime, offer: toolOffer(runtime.config), recall: NO_QUERY_EMBEDDINGS }, LOCAL_TENANT);
  await server.connect(serverSide);
  const client = new Client({ name: 'docs', version: '1' });
  await client.connect(clientSide);
  try {
    const { tools } = await client.listTools();
    const { resources } = await client.listResources();
    const { resourceTemplates } = await client.listResourceTemplates();
    const { prompts } = await client.listPrompts();
    const out: string[] = [];
    out.push('### Tools\n');
    out.push(
      'Limits the tables leave out: a title or name up to 500 characters, a description 10,000, notes 50,000, ' +
        'other text 200 (a location 500); up to 50 tags of 64 characters each; ids up to 64 characters. ' +
        'Dates: ISO 8601 (a date, a date-time in your time zone, or with Z or an offset), years 1900-2200, or [words](docs/dates.md).\n',
    );
    out.push('| tool | scope | what it does |', '|---|---|---|');
    for (const t of tools) {
      const scope = scopeOfTool(t.name);
      out.push(`| [\`${t.name}\`](#${t.name}) | \`${scope}\` | ${cell(t.title ?? '')} |`);
    }
    out.push('');
    for (const t of tools) {
      const a = t.annotations ?? {};
      // Absent hints mean what MCP says they default to: a write tool is destructive unless it says not.
      const hints = [
        a.readOnlyHint ? 'read-only' : 'writes',
        !a.readOnlyHint && a.destructiveHint !== false ? 'destructive' : '',
        a.idempotentHint ? 'idempotent' : '',
      ]
        .filter(Boolean)
        .join(', ');
      out.push(`#### ${t.name}\n`);
      out.push(`**${t.title}** (scope \`${scopeOfTool(t.name)}\`; ${hints})\n`);
      out.push(`${t.description}\n`);
      out.push(argumentsTable(t.inputSchema as JsonSchema));
      const outputs = Object.keys((t.outputSchema as JsonSchema | undefined)?.properties ?? {});
      out.push(`Returns \`structuredContent\` with: ${outputs.map((k) => `\`${k}\``).join(', ')}.\n`);
    }
    out.push('### Resources\n');
    out.push('| URI | name | description |', '|---|---|---|');
    for (const r of resources.filter((r) => !/^pa:\/\/(projects|documents)\/./.test(r.uri))) {
      out.push(`| \`${r.uri}\` | ${cell(r.title ?? r.name)} | ${cell(r.description ?? '')} |`);
    }
    for (const t of resourceTemplates) {
      out.push(
        `| \`${t.uriTemplate}\` | ${cell(t.title ?? t.name)} | ${cell(t.description ?? '')} Listed by \`resources/list\`; \`{id}\` completes from names and id prefixes. |`,
      );
    }
    out.push('', '### Prompts\n');
    out.push('| prompt | arguments | description |', '|---|---|---|');
    for (const p of prompts) {
      const args = (p.arguments ?? []).map((a) => `\`${a.name}\`${a.required ? ' (required)' : ''}`).join(', ') || 'none';
      out.push(`| \`${p.name}\` | ${args} | ${cell(p.description ?? '')} |`);
    }
    return out.join('\n') + '\n';
  } finally {
    await client.close();
    await runtime.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

export const START = '<!-- reference:start (generated by `npm run docs`; do not edit by hand) -->';
export const END = '<!-- reference:end -->';

/** The README with its reference section replaced by `reference`. */
export function withReference(readme: string, reference: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n\n${reference}\n${readme.slice(end)}`;
}
