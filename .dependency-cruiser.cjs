/**
 * The layers of src/, lowest first (docs/architecture.md, ADR 0012). A module may import its own
 * layer and the layers below it, never one above; no import circle anywhere, type-only imports
 * and dynamic import() included. `npm run lint` runs this; a new folder of src/ must be given a
 * layer here before its modules may import anything.
 */
const LAYERS = [
  // Knows nothing of the rest: time, logging, metrics, outbound HTTP, the error classes, scopes, resource URIs, the Node check.
  ['low', '^src/(clock|logging|metrics|tracing|errors|scopes|resource-uri|node-version|local-tenant)[.]ts$|^src/net/'],
  ['config', '^src/config/'],
  ['storage', '^src/storage/'],
  ['domain', '^src/domain/'],
  // Running a unit of work: one tenant, one transaction.
  ['runtime', '^src/runtime[.]ts$'],
  // Audit trail, rate limits, the key-encryption key: below the authorization server that uses them.
  ['security', '^src/security/'],
  ['auth', '^src/auth/'],
  ['mcp', '^src/mcp/'],
  // The edges: stdio and HTTP (Express glue lives here, under transports/http/).
  ['transports', '^src/transports/'],
  // The two composition roots: they build each part once and hand it what it uses.
  ['compose', '^src/compose/'],
  ['cli', '^src/cli([.]ts$|/)'],
];

const anyLayer = LAYERS.map(([, path]) => `(${path})`).join('|');

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: the modules cannot be understood, tested or loaded one without the other.',
      from: {},
      to: { circular: true },
    },
    ...LAYERS.slice(0, -1).map(([name, path], i) => ({
      name: `no-upward-import-from-${name}`,
      severity: 'error',
      comment: `${name} may import only its own layer and those below it (${
        LAYERS.slice(0, i)
          .map(([n]) => n)
          .join(', ') || 'none'
      }).`,
      from: { path },
      to: {
        path: LAYERS.slice(i + 1)
          .map(([, p]) => `(${p})`)
          .join('|'),
      },
    })),
    {
      name: 'every-module-in-a-layer',
      severity: 'error',
      comment: 'This module of src/ belongs to no layer: add its folder to LAYERS in .dependency-cruiser.cjs.',
      from: { path: '^src/', pathNot: anyLayer },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    // import type counts: a type import couples the layers as much as a value import does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
