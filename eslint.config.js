import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Storage owns the dialect: outside src/storage/ nothing asks which engine it runs on (it asks the
// engine what it can do: supportsRowLocks, supportsBatching, sharedAcrossInstances, ...).
const DIALECT_BRANCHES = [
  {
    selector: 'MemberExpression[property.name=/^(kind|dialect)$/][object.name=/(^e|E)ngine$/]',
    message: 'Storage owns the dialect: ask the engine for a capability (src/storage/engine.ts) instead of its kind or dialect.',
  },
  {
    selector: 'MemberExpression[property.name=/^(kind|dialect)$/][object.property.name=/(^e|E)ngine$/]',
    message: 'Storage owns the dialect: ask the engine for a capability (src/storage/engine.ts) instead of its kind or dialect.',
  },
  {
    selector: "MemberExpression[property.name='getExecutor']",
    message: 'Storage owns the dialect: adapter checks belong in src/storage/.',
  },
];
const DIALECT_IMPORTS = {
  paths: [
    {
      name: 'kysely',
      importNames: ['SqliteAdapter', 'PostgresAdapter', 'MysqlAdapter', 'SqliteDialect', 'PostgresDialect'],
      message: 'Storage owns the dialect: adapters and dialects are used in src/storage/ only.',
    },
  ],
};
// Domain code gets repositories already bound to one tenant (DomainContext): it never names one.
const TENANT_NAMES = [
  { selector: 'Identifier[name=/^(tenantId|tenant_id)$/]', message: 'Domain code never names a tenant: use the tenant-bound repositories of DomainContext.' },
  { selector: 'Literal[value=/tenant_id|tenantId/]', message: 'Domain code never names a tenant: use the tenant-bound repositories of DomainContext.' },
  {
    selector: 'TemplateElement[value.raw=/tenant_id|tenantId/]',
    message: 'Domain code never names a tenant: use the tenant-bound repositories of DomainContext.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      // stdout belongs to the MCP protocol in local mode: log through pino to stderr.
      'no-console': ['error', { allow: ['error', 'warn'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**', 'tools/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/storage/**'],
    rules: {
      'no-restricted-syntax': ['error', ...DIALECT_BRANCHES],
      'no-restricted-imports': ['error', DIALECT_IMPORTS],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...DIALECT_BRANCHES, ...TENANT_NAMES],
      // No raw queries in the domain: a query that needs one is a repository method in src/storage/.
      'no-restricted-imports': [
        'error',
        {
          ...DIALECT_IMPORTS,
          paths: [{ name: 'kysely', message: 'Queries belong in src/storage/repositories/: domain code calls tenant-bound repositories.' }],
        },
      ],
    },
  },
);
