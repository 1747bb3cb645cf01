import type { Cli } from '../io.js';

const actions = () => import('../actions/keys.js');

/** `keys rotate`: the embedded authorization server's signing keys. */
export function addKeysCommands(cli: Cli): void {
  const keys = cli.program.command('keys').description("manage the embedded authorization server's signing keys");
  keys
    .command('rotate')
    .description('add new signing keys; the old ones keep verifying until every token they signed has expired')
    .action(async () => (await actions()).runKeysRotate(cli));
}
