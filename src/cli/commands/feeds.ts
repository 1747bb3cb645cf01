import type { PersonOptions } from '../actions/ics.js';
import type { Cli } from '../io.js';

const actions = () => import('../actions/feeds.js');

/** `feed create` and `feed revoke`: a person's calendar feed, as an administrator hands it out or withdraws it. */
export function addFeedCommands(cli: Cli): void {
  const feed = cli.program.command('feed').description("a person's calendar feed (HTTP mode): its secret address, or withdraw it");
  for (const [name, description, run] of [
    ['create', 'print the address of the calendar feed, made if there is none', 'runCreate'],
    ['revoke', 'withdraw the calendar feed: its address stops working at once', 'runRevoke'],
  ] as const) {
    feed
      .command(name)
      .description(description)
      .option('--email <email>', "the account's email")
      .option('--tenant <id>', 'the tenant, instead of --email')
      .action(async (options: PersonOptions) => (await actions())[run](cli, options));
  }
}
