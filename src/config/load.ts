import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { ConfigSchema, type Config } from './schema.js';
import { defaultDataDir, resolveUserPath } from './paths.js';

/** Command-line flags that override every other source. */
export interface ConfigFlags {
  config?: string;
  dbPath?: string;
  docsDir?: string;
  maxFileSizeMb?: string;
  logLevel?: string;
}

/** The validated configuration plus the resolved locations the server works with. */
export type ResolvedConfig = Config & {
  dataDir: string;
  transport: NonNullable<Config['transport']>;
  features: Config['features'] & { multi_tenant: boolean };
  authentication: Config['authentication'] & { enabled: boolean };
  database: Config['database'] & { path: string; type: NonNullable<Config['database']['type']> };
  documents: Config['documents'] & { path: string };
  configFile?: string;
};

type Tree = Record<string, unknown>;
type Path = readonly string[];

interface EnvBinding {
  name: string;
  path: Path;
  number?: boolean;
  secret?: boolean;
  /** A comma-separated list. */
  list?: boolean;
  /** true/false (also 1/0, yes/no). */
  boolean?: boolean;
}

/** Environment variables of the contract (the upstream Python project's names, kept). */
const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: 'MCP_PA_DB_PATH', path: ['database', 'path'] },
  { name: 'MCP_PA_DOCS_DIR', path: ['documents', 'path'] },
  { name: 'MCP_PA_MAX_FILE_SIZE_MB', path: ['documents', 'max_file_size_mb'], number: true },
  { name: 'MCP_PA_ENCRYPTION_KEY', path: ['encryption', 'key'], secret: true },
  { name: 'MCP_PA_LOG_LEVEL', path: ['logging', 'level'] },
  { name: 'MCP_PA_TOOLS', path: ['tools'] },
  { name: 'MCP_MODE', path: ['mode'] },
  { name: 'MCP_DATABASE_TYPE', path: ['database', 'type'] },
  { name: 'MCP_DATABASE_URL', path: ['database', 'connection_string'], secret: true },
  { name: 'MCP_DATABASE_APP_ROLE', path: ['database', 'app_role'] },
  { name: 'MCP_PUBLIC_URL', path: ['server', 'public_url'] },
  { name: 'MCP_HOST', path: ['server', 'host'] },
  { name: 'MCP_PORT', path: ['server', 'port'], number: true },
  { name: 'MCP_TLS_CERT', path: ['server', 'tls_cert'] },
  { name: 'MCP_TLS_KEY', path: ['server', 'tls_key'] },
  { name: 'MCP_TLS_CLIENT_CA', path: ['server', 'tls_client_ca'] },
  { name: 'MCP_TRUST_PROXY', path: ['server', 'trust_proxy'], list: true },
  { name: 'MCP_ALLOWED_ORIGINS', path: ['server', 'allowed_origins'], list: true },
  { name: 'MCP_OAUTH_ISSUER', path: ['authentication', 'issuer'] },
  { name: 'MCP_OAUTH_INTROSPECTION_CLIENT_ID', path: ['authentication', 'introspection_client_id'] },
  { name: 'MCP_OAUTH_INTROSPECTION_CLIENT_SECRET', path: ['authentication', 'introspection_client_secret'], secret: true },
  { name: 'MCP_OAUTH_KEY_ENCRYPTION_KEY', path: ['authentication', 'key_encryption_key'], secret: true },
  { name: 'MCP_OAUTH_ALLOW_PRIVATE_FETCH', path: ['authentication', 'allow_private_fetch'], boolean: true },
  { name: 'MCP_PA_WEBHOOK_ALLOWED_HOSTS', path: ['reminders', 'webhook_allowed_hosts'], list: true },
  { name: 'MCP_PA_REMINDER_CHECK_SECONDS', path: ['reminders', 'check_every_seconds'], number: true },
  { name: 'MCP_PA_EMBEDDINGS_URL', path: ['embeddings', 'url'] },
  { name: 'MCP_PA_EMBEDDINGS_MODEL', path: ['embeddings', 'model'] },
  { name: 'MCP_PA_EMBEDDINGS_API_KEY', path: ['embeddings', 'api_key'], secret: true },
  { name: 'MCP_PA_TRACING', path: ['tracing', 'enabled'], boolean: true },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', path: ['tracing', 'endpoint'] },
  { name: 'OTEL_SERVICE_NAME', path: ['tracing', 'service_name'] },
  { name: 'MCP_PA_METRICS_PORT', path: ['metrics', 'port'], number: true },
  { name: 'MCP_PA_METRICS_HOST', path: ['metrics', 'host'] },
  { name: 'MCP_PA_METRICS_TOKEN', path: ['metrics', 'token'], secret: true },
];

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

function envValue(binding: EnvBinding, raw: string): unknown {
  if (binding.boolean) return BOOLEAN_WORDS[raw.trim().toLowerCase()] ?? raw;
  if (binding.list)
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return binding.number ? asNumberIfNumeric(raw) : raw;
}

interface FlagBinding {
  flag: keyof ConfigFlags;
  /** As commander declares it: the flag and its argument. */
  spec: `--${string} <${string}>`;
  description: string;
  /** Shown in --help. */
  default?: string;
  /** The key it sets; none for --config, which names the file. */
  path?: Path;
  number?: boolean;
}

/** The global flags, declared once: the command line is built from this list and errors name its flags. */
export const CONFIG_FLAGS: readonly FlagBinding[] = [
  { flag: 'config', spec: '--config <file>', description: 'JSON configuration file' },
  { flag: 'dbPath', spec: '--db-path <file>', description: 'SQLite database file', path: ['database', 'path'] },
  { flag: 'docsDir', spec: '--docs-dir <dir>', description: 'directory for document files', path: ['documents', 'path'] },
  {
    flag: 'maxFileSizeMb',
    spec: '--max-file-size-mb <mb>',
    description: 'largest document accepted, in MB',
    default: '25',
    path: ['documents', 'max_file_size_mb'],
    number: true,
  },
  {
    flag: 'logLevel',
    spec: '--log-level <level>',
    description: 'fatal, error, warn, info, debug, trace or silent',
    default: 'info',
    path: ['logging', 'level'],
  },
];

/** The flag itself, `--db-path`, as errors name it. */
const flagName = (binding: FlagBinding) => binding.spec.split(' ')[0]!;

/** The variable naming the configuration file (the file is not a key, so it has no binding above). */
const CONFIG_FILE_ENV = 'MCP_PA_CONFIG';

/** A flag's line in --help: what it sets, the variable that sets the same, and its default. */
export function describeFlag(binding: FlagBinding): string {
  const path = binding.path?.join('.');
  const env = path === undefined ? CONFIG_FILE_ENV : ENV_BINDINGS.find((e) => e.path.join('.') === path)?.name;
  const notes = [env && `also ${env}`, binding.default && `default ${binding.default}`].filter(Boolean);
  return notes.length ? `${binding.description} (${notes.join('; ')})` : binding.description;
}

/** Where each value came from, so an error can name the key the user actually wrote. */
class Provenance {
  private readonly labels = new Map<string, { label: string; secret: boolean }>();
  set(p: Path, label: string, secret = false) {
    this.labels.set(p.join('.'), { label, secret });
  }
  /** The label of the value at p, or of the nearest ancestor that was set as a whole. */
  find(p: readonly PropertyKey[]): { label: string; secret: boolean } | undefined {
    for (let n = p.length; n > 0; n--) {
      const hit = this.labels.get(p.slice(0, n).map(String).join('.'));
      if (hit) return hit;
    }
    return undefined;
  }
}

function setAt(tree: Tree, p: Path, value: unknown) {
  let node = tree;
  for (const key of p.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[p[p.length - 1]!] = value;
}

function getAt(tree: unknown, p: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const key of p) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Copies every leaf of a JSON file into the tree, remembering `a.b.c in FILE` as its origin. */
function mergeFile(tree: Tree, prov: Provenance, json: unknown, file: string, prefix: string[] = []) {
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
  if (prefix.length === 0 && !isObject) throw new ConfigError(`The configuration file ${file} must hold a JSON object.`);
  if (!isObject || (prefix.length > 0 && Object.keys(json).length === 0)) {
    setAt(tree, prefix, json);
    // A secret's value is never echoed in an error, whichever source gave it.
    prov.set(
      prefix,
      `${prefix.join('.')} in ${file}`,
      ENV_BINDINGS.some((b) => b.secret === true && b.path.join('.') === prefix.join('.')),
    );
    return;
  }
  for (const [key, value] of Object.entries(json)) mergeFile(tree, prov, value, file, [...prefix, key]);
}

/** Env and flag values are strings; numbers are converted only when they look like one, so zod names the rest. */
const asNumberIfNumeric = (raw: string): unknown => (/^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw);

/** Python users wrote INFO, WARNING, CRITICAL: accept those too. */
function normaliseLogLevel(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const level = raw.trim().toLowerCase();
  return level === 'warning' ? 'warn' : level === 'critical' ? 'fatal' : level;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`Cannot read the configuration file ${file}: ${code === 'ENOENT' ? 'it does not exist' : (code ?? String(err))}.`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`The configuration file ${file} is not valid JSON: ${(err as Error).message}.`);
  }
}

function describeReceived(value: unknown, secret: boolean): string {
  if (secret) return '';
  if (value === undefined) return '';
  const shown = JSON.stringify(value);
  return ` (got ${shown.length > 60 ? shown.slice(0, 57) + '...' : shown})`;
}

/**
 * Keys of the Python version's configuration (and near misses of ours) that do nothing here, with
 * the key that does what they meant: refused like any unknown key, but naming the replacement.
 */
const REPLACED_KEYS: Readonly<Record<string, string>> = {
  'database.encryption_key': 'encryption.key (or MCP_PA_ENCRYPTION_KEY)',
  'database.url': 'database.connection_string (or MCP_DATABASE_URL)',
  'server.tls_cert_path': 'server.tls_cert (or MCP_TLS_CERT)',
  'server.tls_key_path': 'server.tls_key (or MCP_TLS_KEY)',
  'server.tls_enabled': 'server.tls_required, with server.tls_cert and server.tls_key',
  'server.cors_origins': 'server.allowed_origins (or MCP_ALLOWED_ORIGINS)',
  auth: 'authentication',
  vector_search: 'features.vector_search',
  multi_tenancy: 'features.multi_tenant',
  client_registration: 'features.dynamic_client_registration',
  'features.multi_tenancy': 'features.multi_tenant',
};

function unknownKey(path: readonly PropertyKey[], prov: Provenance): string {
  const key = path.map(String).join('.');
  const label = prov.find(path)?.label ?? key;
  const replacement = REPLACED_KEYS[key];
  return replacement ? `- ${label}: not a key of mcp-pa; use ${replacement}` : `- ${label}: unknown key (docs/configuration.md lists the keys allowed)`;
}

function formatIssues(issues: readonly z.core.$ZodIssue[], tree: Tree, prov: Provenance): string {
  const lines = issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => unknownKey([...issue.path, k], prov)).join('\n');
    const origin = prov.find(issue.path);
    const key = origin?.label ?? issue.path.join('.');
    return `- ${key}: ${issue.message}${describeReceived(getAt(tree, issue.path), origin?.secret ?? false)}`;
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

/** TLS is on when mcp-pa has a certificate, or a proxy in front terminates it (named, or by its https:// address). */
const servesTls = ({ server }: Config) =>
  server.tls_cert !== undefined || (server.trust_proxy?.length ?? 0) > 0 || server.public_url?.startsWith('https:') === true;

/**
 * An HTTP-mode transport that what serves the requests contradicts. Checked only by `mcp-pa serve`:
 * the certificate often comes from the environment of the server alone.
 */
function transportTlsProblem(cfg: Config, prov: Provenance): string | undefined {
  const transport = prov.find(['transport'])?.label ?? 'transport';
  const cert = prov.find(['server', 'tls_cert'])?.label ?? 'server.tls_cert';
  if (cfg.transport === 'http' && cfg.server.tls_cert !== undefined) {
    return `- ${transport}: "http" is plain HTTP, but ${cert} is set, so mcp-pa would serve HTTPS: set "transport": "https", or remove the certificate`;
  }
  if (cfg.transport === 'https' && !servesTls(cfg)) {
    return (
      `- ${transport}: "https", but nothing here serves TLS: ` +
      'give mcp-pa a certificate (server.tls_cert and server.tls_key, or MCP_TLS_CERT and MCP_TLS_KEY), ' +
      'or put a TLS-terminating proxy in front and name it (server.trust_proxy) or its https:// address (server.public_url); "transport": "http" is plain HTTP'
    );
  }
  return undefined;
}

/** What the configuration asks for that this version cannot do yet: logged at start-up, never refused. */
export function configWarnings(config: ResolvedConfig): string[] {
  const missing = embeddingsMissing(config);
  return missing ? [`features.vector_search is true but ${missing} is not set: search matches words only until it is`] : [];
}

/** With vector search on, the setting embeddings still need (undefined: none, or vector search is off). */
export function embeddingsMissing(config: Pick<ResolvedConfig, 'features' | 'embeddings'>): string | undefined {
  if (!config.features.vector_search) return undefined;
  const missing = [
    config.embeddings.url === undefined ? 'embeddings.url (MCP_PA_EMBEDDINGS_URL)' : '',
    config.embeddings.model === undefined ? 'embeddings.model (MCP_PA_EMBEDDINGS_MODEL)' : '',
  ].filter(Boolean);
  return missing.length ? missing.join(' and ') : undefined;
}

/**
 * Loads the configuration: defaults < JSON file (--config or MCP_PA_CONFIG) < environment < flags.
 * Throws ConfigError with one line per invalid value, each naming its key.
 */
export function loadConfig(
  flags: ConfigFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  command: { mode?: Config['mode']; serving?: boolean } = {},
): ResolvedConfig {
  const tree: Tree = {};
  const prov = new Provenance();
  // `mcp-pa serve` means HTTP mode unless the file or environment says otherwise (and then it is refused).
  if (command.mode) setAt(tree, ['mode'], command.mode);

  const file = flags.config ?? env[CONFIG_FILE_ENV];
  const configFile = file ? resolveUserPath(file, env) : undefined;
  if (configFile) mergeFile(tree, prov, readConfigFile(configFile), configFile);

  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.name];
    if (raw === undefined || raw === '') continue;
    setAt(tree, binding.path, envValue(binding, raw));
    prov.set(binding.path, binding.name, binding.secret);
  }
  for (const binding of CONFIG_FLAGS) {
    const raw = flags[binding.flag];
    if (raw === undefined || binding.path === undefined) continue;
    setAt(tree, binding.path, binding.number ? asNumberIfNumeric(raw) : raw);
    prov.set(binding.path, flagName(binding));
  }
  const level = getAt(tree, ['logging', 'level']);
  if (level !== undefined) setAt(tree, ['logging', 'level'], normaliseLogLevel(level));

  const parsed = ConfigSchema.safeParse(tree);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, tree, prov));
  const cfg = parsed.data;
  const transportProblem = command.serving && cfg.mode === 'http' ? transportTlsProblem(cfg, prov) : undefined;
  if (transportProblem) throw new ConfigError(`Invalid configuration:\n${transportProblem}`);

  const dataDir = defaultDataDir(env);
  const dbPath = cfg.database.path ? resolveUserPath(cfg.database.path, env) : path.join(dataDir, 'database.sqlite');
  const docsPath = cfg.documents.path ? resolveUserPath(cfg.documents.path, env) : path.join(dataDir, 'documents');
  return {
    ...cfg,
    dataDir,
    transport: cfg.transport ?? (cfg.mode === 'local' ? 'stdio' : servesTls(cfg) ? 'https' : 'http'),
    features: { ...cfg.features, multi_tenant: cfg.features.multi_tenant ?? true },
    authentication: { ...cfg.authentication, enabled: cfg.authentication.enabled ?? cfg.mode === 'http' },
    database: {
      ...cfg.database,
      type: cfg.database.type ?? (cfg.mode === 'http' || cfg.database.connection_string ? 'postgresql' : 'sqlite'),
      path: dbPath,
    },
    documents: { ...cfg.documents, path: docsPath },
    ...(configFile ? { configFile } : {}),
  };
}
