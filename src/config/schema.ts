import { z } from 'zod';

/** Log levels, as pino names them. Python-style names (WARNING, CRITICAL) are mapped when loading. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: () => `must be one of: ${values.join(', ')}` });

const bool = () => z.boolean({ error: () => 'must be true or false' });

const nonEmpty = (what: string) => z.string({ error: () => `must be ${what}` }).trim().min(1, `must be ${what}`);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

export const CLIENT_AUTH_METHODS = [
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'client_secret_basic',
  'client_secret_post',
  'none',
] as const;

/**
 * The whole configuration, one schema for both modes. The JSON file shapes of ARCHITECTURE
 * section 6 are accepted exactly as written; unknown keys are refused so a typo never goes unnoticed.
 */
export const ConfigSchema = z
  .strictObject({
    mode: oneOf(['local', 'http'] as const).default('local'),
    transport: oneOf(['stdio', 'https', 'http'] as const).default('stdio'),
    server: z
      .strictObject({
        host: nonEmpty('a host name or IP address').default('127.0.0.1'),
        port: z
          .number({ error: () => 'must be a port number from 0 to 65535' })
          .int('must be a whole number from 0 to 65535')
          .min(0, 'must be a port number from 0 to 65535')
          .max(65535, 'must be a port number from 0 to 65535')
          .default(8000),
        tls_required: bool().default(true),
      })
      .prefault({}),
    database: z
      .strictObject({
        type: oneOf(['sqlite', 'postgresql'] as const).default('sqlite'),
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
        enabled: bool().default(false),
        oauth_version: z.literal('2.1', { error: () => 'must be "2.1"' }).default('2.1'),
        pkce_required: z
          .literal(true, { error: () => 'must be true: MCP requires PKCE for every client' })
          .default(true),
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
    features: z
      .strictObject({
        vector_search: bool().default(false),
        multi_tenant: bool().default(false),
        dynamic_client_registration: bool().default(true),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.mode === 'local' && cfg.transport !== 'stdio') {
      ctx.addIssue({ code: 'custom', path: ['transport'], message: 'must be "stdio" in local mode' });
    }
    if (cfg.mode === 'http' && cfg.transport === 'stdio') {
      ctx.addIssue({ code: 'custom', path: ['transport'], message: 'must be "https" or "http" in http mode' });
    }
    if (cfg.mode === 'http' && !cfg.authentication.enabled && !isLoopbackHost(cfg.server.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['authentication', 'enabled'],
        message: `may be false only when the server binds a loopback address (server.host is "${cfg.server.host}")`,
      });
    }
    const url = cfg.database.connection_string;
    if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
      ctx.addIssue({ code: 'custom', path: ['database', 'connection_string'], message: 'must be a postgresql:// URL' });
    }
    if (url !== undefined && cfg.database.type !== 'postgresql') {
      ctx.addIssue({ code: 'custom', path: ['database', 'type'], message: 'must be "postgresql" when a connection string is given' });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;
