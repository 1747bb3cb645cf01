import { ConfigError } from '../errors.js';
import type { ToolDeclaration } from './tool.js';
import { TOOLS } from './tools/index.js';

/** The tools a small context can live with: the day, search, todos and the calendar. */
const CORE = [
  'get_status',
  'get_current_time',
  'get_dashboard',
  'search',
  'create_todo',
  'list_todos',
  'update_todo',
  'complete_todo',
  'create_calendar_event',
  'list_calendar_events',
  'update_calendar_event',
  'delete_item',
];

const PROFILES: Record<string, (tool: ToolDeclaration) => boolean> = {
  all: () => true,
  core: (tool) => CORE.includes(tool.name),
  'read-only': (tool) => tool.access === 'read',
};
const PROFILE_NAMES = Object.keys(PROFILES);

/** What a server offers and says about itself in its tool list: set once at start, the same for every connection. */
export interface ToolOffer {
  tools: readonly ToolDeclaration[];
  /** The largest upload, stated in upload_document's description. */
  maxFileSizeMb: number;
}

/**
 * The tools named by the `tools` setting (MCP_PA_TOOLS): profiles and tool names, each adding
 * its tools, in the order of the full list. An unknown name stops the start, listing what exists.
 */
export function toolOffer(config: { tools: readonly string[]; documents: { max_file_size_mb: number } }): ToolOffer {
  const names = new Set(TOOLS.map((t) => t.name));
  const unknown = config.tools.filter((token) => !(token in PROFILES) && !names.has(token));
  if (unknown.length) {
    throw new ConfigError(
      `tools (MCP_PA_TOOLS): ${unknown.map((t) => JSON.stringify(t)).join(', ')} is neither a profile (${PROFILE_NAMES.join(', ')}) nor a tool (${[...names].join(', ')})`,
    );
  }
  const wanted = (tool: ToolDeclaration) => config.tools.some((token) => (PROFILES[token] ? PROFILES[token](tool) : token === tool.name));
  return { tools: TOOLS.filter(wanted), maxFileSizeMb: config.documents.max_file_size_mb };
}
