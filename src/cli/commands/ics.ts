import type { PersonOptions } from '../actions/ics.js';
import { collect, type Cli } from '../io.js';

const actions = () => import('../actions/ics.js');

/** `ics import` and `ics export`: calendars in and out as iCalendar files, as the tools do. */
export function addIcsCommands(cli: Cli): void {
  const ics = cli.program.command('ics').description('import or export iCalendar (.ics) files');
  const person = <C extends { option: (flags: string, description: string) => C }>(command: C) =>
    command.option('--email <email>', "the account's email (HTTP mode)").option('--tenant <id>', 'the tenant (default: local mode’s)');
  person(
    ics
      .command('import')
      .description('import the events and todos of an .ics file (again: updates what it imported before)')
      .argument('<file>', 'an iCalendar file'),
  ).action(async (file: string, options: PersonOptions) => (await actions()).runImport(cli, file, options));
  person(
    ics
      .command('export')
      .description('write events and todos as an .ics file')
      .option('-o, --output <file>', 'write to this file instead of stdout')
      .option('--start <date>', 'events ending after, todos due from this date')
      .option('--end <date>', 'events starting before, todos due before this date (a date includes that day)')
      .option('--kind <kind>', 'event or todo (repeat for both; default both)', collect, []),
  ).action(async (options: PersonOptions & { output?: string; start?: string; end?: string; kind: string[] }) => (await actions()).runExport(cli, options));
}
