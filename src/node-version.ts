// The first module cli.ts loads: on a Node older than package.json's engines floor the server stops
// here with a message that names the version it needs, instead of failing later inside a dependency
// (or the native SQLite driver, built for another Node).
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { engines: { node: string } };
const floor = pkg.engines.node.replace(/^>=\s*/, '');
const parts = (version: string) => version.split('.').map(Number);

function meetsFloor(version: string): boolean {
  const [have, need] = [parts(version), parts(floor)];
  for (const [i, n] of need.entries()) if ((have[i] ?? 0) !== n) return (have[i] ?? 0) > n;
  return true;
}

if (!meetsFloor(process.versions.node)) {
  process.stderr.write(
    `mcp-pa: needs Node.js ${floor} or later; this is ${process.version}. Install a newer Node, ` +
      'or in a checkout of mcp-pa run `npm start -s`, which uses the Node the project pins.\n',
  );
  process.exit(1);
}
