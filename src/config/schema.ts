import { z } from 'zod';
import { maxMessageBytes } from './message-size.js';

/** Log levels, as pino names them. Python-style names (WARNING, CRITICAL) are mapped when loading. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: () => `must be one of: ${values.join(', ')}` });

const bool = () => z.boolean({ error: () => 'must be true or false' });

const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .number({ error: () => message })
    .int(message)
    .min(min, message)
    .max(max, message);
};

const portNumber = () =>
  z
    .number({ error: () => 'must be a port number from 0 to 65535' })
    .int('must be a whole number from 0 to 65535')
    .min(0, 'must be a port number from 0 to 65535')
    .max(65535, 'must be a port number from 0 to 65535');

const perWindow = () =>
  z
    .number({ error: () => 'must be a whole number of requests from 1 to 1000000' })
    .int('must be a whole number of requests from 1 to 1000000')
    .min(1, 'must be a whole number of requests from 1 to 1000000')
    .max(1_000_000, 'must be a whole number of requests from 1 to 1000000');

const MB = 1024 * 1024;

const megabytes = () =>
  z
    .number({ error: () => 'must be a number of megabytes from 1 to 65536' })
    .min(1, 'must be a number of megabytes from 1 to 65536')
    .max(65_536, 'must be a number of megabytes from 1 to 65536');

const nonEmpty = (what: string) =>
  z
    .string({ error: () => `must be ${what}` })
    .trim()
    .min(1, `must be ${what}`);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
/** The same for a URL's hostname, where an IPv6 address comes in brackets. */
export const isLoopbackHostname = (hostname: string) => isLoopbackHost(hostname.replace(/^\[|\]$/g, ''));

/** An absolute http(s) URL without query or fragment; http only for loopback hosts. */
const httpUrl = (what: string) =>
  z
    .string({ error: () => `must be ${what}` })
    .trim()
    .refine((raw) => {
      const url = URL.parse(raw);
      if (!url || url.search || url.hash || url.username || url.password) return false;
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHostname(url.hostname));
    }, `must be ${what}, without query, fragment or credentials`)
    .transform((raw) => raw.replace(/\/+$/, ''));

const origin = z
  .string()
  .trim()
  .refine(
    (raw) => URL.parse(raw)?.origin === raw.replace(/\/$/, '').toLowerCase(),
    'must be an origin such as https://app.example.com (scheme, host and port only)',
  )
  .transform((raw) => raw.replace(/\/$/, '').toLowerCase());

/** What express accepts for "trust proxy", but never "all": a forged header would then be believed. */
const proxyAddress = z
  .string()
  .trim()
  .refine(
    (raw) => ['loopback', 'linklocal', 'uniquelocal'].includes(raw) || /^[0-9a-f.:]+(\/\d{1,3})?$/i.test(raw),
    'must be loopback, linklocal, uniquelocal, an IP address or a CIDR range',
  );

/**
 * A transport the mode does not serve. "https" is checked against what actually serves TLS only
 * when serving (see transportTlsProblem in load.ts): the contract's HTTP shape leaves the
 * certificate to the environment, and `mcp-pa stdio` must still be able to say it is HTTP mode's.
 */
function transportProblem({ mode, transport }: { mode: 'local' | 'http'; transport?: 'stdio' | 'https' | 'http' }): string | undefined {
  if (mode === 'local' && transport !== undefined && transport !== 'stdio') {
    return `"${transport}" is HTTP mode's, but mode is "local" (mcp-pa stdio): set "transport": "stdio", or "mode": "http" and run mcp-pa serve`;
  }
  if (mode === 'http' && transport === 'stdio') {
    return `"stdio" is local mode's, but mode is "http" (mcp-pa serve): set "transport": "https" or "http", or "mode": "local" and run mcp-pa stdio`;
  }
  return undefined;
}

const CLIENT_AUTH_METHODS = ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth', 'client_secret_basic', 'client_secret_post', 'none'] as const;

/**
 * The whole configuration, one schema for both modes. The JSON file shapes of ARCHITECTURE
 * section 6 are accepted exactly as written; unknown keys are refused so a typo never goes unnoticed.
 */
export const ConfigSchema = z
  .strictObject({
    mode: oneOf(['local', 'http'] as const).default('local'),
    /**
     * The tools offered: profiles (all, core, read-only) and tool names, as a list or one
     * comma-separated string. The names are checked when the server starts (src/mcp/offer.ts).
     */
    tools: z
      .union([z.string(), z.array(z.string())], { error: () => 'must be a profile, a tool name, or a list of them' })
      .transform((value) => (typeof value === 'string' ? value.split(',') : value).map((token) => token.trim()).filter((token) => token !== ''))
      .refine((tokens) => tokens.length > 0, 'must name a profile (all, core, read-only) or at least one tool')
      .default(['all']),
    /** Default: stdio in local mode, https in HTTP mode. */
    transport: oneOf(['stdio', 'https', 'http'] as const).optional(),
    server: z
      .strictObject({
        host: nonEmpty('a host name or IP address').default('127.0.0.1'),
        port: portNumber().default(8000),
        tls_required: bool().default(true),
        /** The canonical base URL clients use; the MCP resource is `<public_url>/mcp`. */
        public_url: httpUrl('the public origin, https:// (http:// only for a loopback host)')
          .refine((raw) => new URL(raw).pathname === '/', 'must be an origin (scheme, host and port) without a path: the MCP endpoint is <public_url>/mcp')
          .optional(),
        tls_cert: nonEmpty('a PEM certificate file path').optional(),
        tls_key: nonEmpty('a PEM private key file path').optional(),
        tls_client_ca: nonEmpty('a PEM CA certificate file path').optional(),
        /** The proxies whose X-Forwarded-* headers are believed (express "trust proxy" values). */
        trust_proxy: z.array(proxyAddress, { error: () => 'must be a list of proxy addresses' }).optional(),
        allowed_origins: z.array(origin, { error: () => 'must be a list of origins' }).optional(),
      })
      .prefault({}),
    database: z
      .strictObject({
        /** Default: sqlite in local mode; postgresql in HTTP mode or when a connection string is given. */
        type: oneOf(['sqlite', 'postgresql'] as const).optional(),
        path: nonEmpty('a file path').optional(),
        connection_string: nonEmpty('a postgresql:// connection URL').optional(),
        pool_size: z
          .number({ error: () => 'must be a whole number from 1 to 100' })
          .int('must be a whole number from 1 to 100')
          .min(1, 'must be a whole number from 1 to 100')
          .max(100, 'must be a whole number from 1 to 100')
          .default(10),
        app_role: z
          .string({ error: () => 'must be a lower-case SQL role name' })
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL role name (letters, digits, _)')
          .default('mcp_pa_app'),
      })
      .prefault({}),
    documents: z
      .strictObject({
        path: nonEmpty('a directory path').optional(),
        max_file_size_mb: z
          .number({ error: () => 'must be a number of megabytes from 1 to 512' })
          .positive('must be a number of megabytes from 1 to 512')
          .max(512, 'must be a number of megabytes from 1 to 512')
          .default(25),
      })
      .prefault({}),
    encryption: z
      .strictObject({
        key: z
          .string({ error: () => 'must be a passphrase of at least 12 characters' })
          .min(12, 'must be a passphrase of at least 12 characters')
          .optional(),
      })
      .prefault({}),
    logging: z.strictObject({ level: oneOf(LOG_LEVELS).default('info') }).prefault({}),
    authentication: z
      .strictObject({
        /** Default: on in HTTP mode, off in local mode. */
        enabled: bool().optional(),
        /** An external authorization server; unset means the embedded one. */
        issuer: httpUrl('the issuer URL, https:// (http:// only for a loopback host)').optional(),
        /** Credentials for the issuer's token introspection (RFC 7662), for opaque tokens. */
        introspection_client_id: nonEmpty('a client id').optional(),
        introspection_client_secret: nonEmpty('a client secret').optional(),
        /** Seals the embedded authorization server's signing keys; required with a PostgreSQL server. */
        key_encryption_key: z
          .string({ error: () => 'must be a passphrase of at least 16 characters' })
          .min(16, 'must be a passphrase of at least 16 characters')
          .optional(),
        /**
         * Development only: let the embedded authorization server fetch Client ID Metadata
         * Documents and jwks_uri from loopback and private addresses (refused otherwise: SSRF).
         */
        allow_private_fetch: bool().default(false),
        oauth_version: z.literal('2.1', { error: () => 'must be "2.1"' }).default('2.1'),
        pkce_required: z.literal(true, { error: () => 'must be true: MCP requires PKCE for every client' }).default(true),
        client_auth_methods: z
          .array(oneOf(CLIENT_AUTH_METHODS), { error: () => `must be a list of: ${CLIENT_AUTH_METHODS.join(', ')}` })
          .default(['private_key_jwt', 'tls_client_auth', 'client_secret_basic']),
        token_expiry: z
          .number({ error: () => 'must be a number of seconds from 60 to 3600' })
          .int('must be a whole number of seconds from 60 to 3600')
          .min(60, 'must be a number of seconds from 60 to 3600')
          .max(3600, 'must be at most 3600 seconds: MCP access tokens live at most one hour')
          .default(3600),
      })
      .prefault({}),
    /**
     * Where embeddings come from (recall by meaning, features.vector_search): any OpenAI-compatible
     * /v1/embeddings endpoint (Ollama, LM Studio, llama.cpp's server, vLLM, OpenAI).
     */
    embeddings: z
      .strictObject({
        /** The API's base URL (…/v1) or the embeddings endpoint itself (…/v1/embeddings). */
        url: z
          .string()
          .trim()
          .refine((raw) => {
            const url = URL.parse(raw);
            return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash && !url.username && !url.password;
          }, 'must be an http(s) URL such as http://127.0.0.1:11434/v1, without query, fragment or credentials')
          .transform((raw) => raw.replace(/\/+$/, ''))
          .optional(),
        /** The model's name as the provider knows it (nomic-embed-text, text-embedding-3-small). */
        model: z
          .string()
          .trim()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/, 'must be a model name (letters, digits and . _ : / @ + -, at most 200 characters)')
          .optional(),
        /** Sent as a bearer token. */
        api_key: z.string().min(1).max(1000).optional(),
        /** Passages per request to the provider. */
        batch_size: wholeNumber(1, 512).default(32),
        /** How long one request may take. */
        timeout_seconds: wholeNumber(1, 600).default(60),
      })
      .prefault({}),
    history: z
      .strictObject({
        /** How long the history of changes (get_history, undo_change) is kept, in days. */
        retention_days: wholeNumber(1, 36500).default(90),
      })
      .prefault({}),
    reminders: z
      .strictObject({
        /**
         * Hosts (names or addresses) a reminder webhook may reach although they are loopback or
         * private; every other webhook must reach a public address.
         */
        webhook_allowed_hosts: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(100).default([]),
        /** How often due reminders are looked for and sent, in seconds. */
        check_every_seconds: wholeNumber(1, 3600).default(30),
      })
      .prefault({}),
    audit: z
      .strictObject({
        /** Days the audit trail keeps an event (at least 1: younger events cannot be deleted). */
        retention_days: z
          .number({ error: () => 'must be a whole number of days from 1 to 36500' })
          .int('must be a whole number of days from 1 to 36500')
          .min(1, 'must be a whole number of days from 1 to 36500')
          .max(36_500, 'must be a whole number of days from 1 to 36500')
          .default(365),
        /** A signed checkpoint of the trail's head goes to the JSON log after this many events… */
        anchor_every_events: wholeNumber(1, 1_000_000).default(100),
        /** …or after this many minutes with new events, whichever comes first (and at shutdown). */
        anchor_every_minutes: wholeNumber(1, 1440).default(5),
      })
      .prefault({}),
    /** Requests allowed per window in HTTP mode, counted in the database across every instance. */
    rate_limits: z
      .strictObject({
        /** false: no limits here (a proxy in front limits instead). */
        enabled: bool().default(true),
        /** Per tenant on /mcp. */
        mcp_per_minute: perWindow().default(600),
        /** Per address on /mcp: requests refused by the token check (no token, a bad one); over it, every request from there waits. */
        mcp_refusals_per_address_per_minute: perWindow().default(120),
        /** Per address, and per client (only requests that authenticated as it), at the token, revocation and introspection endpoints. */
        token_per_minute: perWindow().default(60),
        /** Per address at the registration endpoint. */
        register_per_hour: perWindow().default(20),
        /** Failed sign-ins per address, and per account from addresses it does not know (on top of the slow-down after failures). */
        sign_in_per_15_minutes: perWindow().default(30),
        /** Per address on the sign-in and consent pages. */
        pages_per_minute: perWindow().default(120),
        /** Per address on calendar feeds (/feeds/...): calendar apps poll every few hours. */
        feeds_per_minute: perWindow().default(30),
      })
      .prefault({}),
    /**
     * Request bodies held at once in HTTP mode: a body costs a few times its size in memory while it
     * is read, parsed and stored. Unset: room for 4 of the largest requests on the instance and 2
     * per tenant (see bodyBudgetOf).
     */
    limits: z
      .strictObject({
        in_flight_body_mb: megabytes().optional(),
        in_flight_body_mb_per_tenant: megabytes().optional(),
      })
      .prefault({}),
    /** Prometheus metrics (HTTP mode), on a listener of their own: served only when a port is set. */
    metrics: z
      .strictObject({
        /** The metrics listener's port (0: any free one); unset: no metrics are served. */
        port: portNumber().optional(),
        host: nonEmpty('a host name or IP address').default('127.0.0.1'),
        /** A bearer token scrapers must send; required unless the listener is on loopback. */
        token: z
          .string({ error: () => 'must be a token of at least 16 characters' })
          .min(16, 'must be a token of at least 16 characters')
          .max(1000)
          .optional(),
      })
      .prefault({}),
    /** OpenTelemetry traces (off by default), sent over OTLP/HTTP. */
    tracing: z
      .strictObject({
        enabled: bool().default(false),
        /** The collector's traces URL (…/v1/traces); unset: OTEL_EXPORTER_OTLP_ENDPOINT's, else http://localhost:4318/v1/traces. */
        endpoint: z.url({ protocol: /^https?$/, error: () => 'must be an http:// or https:// URL' }).optional(),
        service_name: nonEmpty('a service name').default('mcp-pa'),
        /** The share of traces this server starts that are recorded (a caller's sampled trace always is). */
        sample_ratio: z
          .number({ error: () => 'must be a number from 0 to 1' })
          .min(0, 'must be a number from 0 to 1')
          .max(1, 'must be a number from 0 to 1')
          .default(1),
      })
      .prefault({}),
    features: z
      .strictObject({
        /** Recall by meaning: items embedded in the background, search by meaning (needs embeddings.url and .model). */
        vector_search: bool().default(false),
        /** false: the deployment holds one account. Unset: no limit, as before the key had a meaning. */
        multi_tenant: bool().optional(),
        dynamic_client_registration: bool().default(true),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const transport = transportProblem(cfg);
    if (transport) ctx.addIssue({ code: 'custom', path: ['transport'], message: transport });
    if (cfg.mode === 'http' && cfg.authentication.enabled === false && !isLoopbackHost(cfg.server.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['authentication', 'enabled'],
        message: `may be false only when the server binds a loopback address (server.host is "${cfg.server.host}")`,
      });
    }
    if (cfg.authentication.allow_private_fetch && !isLoopbackHost(cfg.server.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['authentication', 'allow_private_fetch'],
        message:
          `may be true only when the server binds a loopback address (server.host is "${cfg.server.host}"): ` +
          'it lets clients make the server fetch from private networks',
      });
    }
    const embeddingsUrl = cfg.embeddings.url === undefined ? undefined : URL.parse(cfg.embeddings.url);
    if (embeddingsUrl?.protocol === 'http:' && cfg.embeddings.api_key !== undefined && !isLoopbackHostname(embeddingsUrl.hostname)) {
      ctx.addIssue({
        code: 'custom',
        path: ['embeddings', 'url'],
        message: 'must be https:// when embeddings.api_key is set (over plain http the key would travel in clear); http is fine for a provider on this machine',
      });
    }
    if (cfg.metrics.port !== undefined && cfg.metrics.token === undefined && !isLoopbackHost(cfg.metrics.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metrics', 'token'],
        message: `must be set when the metrics listener binds "${cfg.metrics.host}", not a loopback address: scrapers then send it as a bearer token`,
      });
    }
    const { tls_cert, tls_key } = cfg.server;
    if ((tls_cert === undefined) !== (tls_key === undefined)) {
      const missing = tls_cert ? 'tls_key' : 'tls_cert';
      ctx.addIssue({ code: 'custom', path: ['server', missing], message: 'must be given with the other one: HTTPS needs a certificate and its key' });
    }
    if (cfg.server.tls_client_ca && !tls_cert) {
      ctx.addIssue({ code: 'custom', path: ['server', 'tls_client_ca'], message: 'needs HTTPS: set the TLS certificate and key too' });
    }
    if ((cfg.authentication.introspection_client_id === undefined) !== (cfg.authentication.introspection_client_secret === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['authentication', 'introspection_client_secret'], message: 'must be given together with introspection_client_id' });
    }
    const largest = maxMessageBytes(cfg.documents.max_file_size_mb) / MB;
    for (const key of ['in_flight_body_mb', 'in_flight_body_mb_per_tenant'] as const) {
      const value = cfg.limits[key];
      if (value !== undefined && value < largest) {
        ctx.addIssue({
          code: 'custom',
          path: ['limits', key],
          message:
            `must be at least ${Math.ceil(largest)}: the largest request (a ${cfg.documents.max_file_size_mb} MB upload in base64, plus room) ` +
            'must fit, or it could never be served',
        });
      }
    }
    const { in_flight_body_mb: total, in_flight_body_mb_per_tenant: perTenant } = cfg.limits;
    if (total !== undefined && perTenant !== undefined && perTenant > total) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'in_flight_body_mb_per_tenant'], message: `must be at most limits.in_flight_body_mb (${total})` });
    }
    const url = cfg.database.connection_string;
    if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
      ctx.addIssue({ code: 'custom', path: ['database', 'connection_string'], message: 'must be a postgresql:// URL' });
    }
    if (url !== undefined && cfg.database.type === 'sqlite') {
      ctx.addIssue({ code: 'custom', path: ['database', 'type'], message: 'must be "postgresql" when a connection string is given' });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

/** Bytes of request bodies allowed in flight on this instance and per tenant, defaults resolved. */
export function bodyBudgetOf(config: Pick<Config, 'limits' | 'documents'>): { total: number; perTenant: number } {
  const largest = maxMessageBytes(config.documents.max_file_size_mb);
  const total = config.limits.in_flight_body_mb !== undefined ? config.limits.in_flight_body_mb * MB : 4 * largest;
  const perTenant = config.limits.in_flight_body_mb_per_tenant !== undefined ? config.limits.in_flight_body_mb_per_tenant * MB : 2 * largest;
  return { total, perTenant: Math.min(perTenant, total) };
}
