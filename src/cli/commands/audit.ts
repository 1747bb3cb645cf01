import { collect, type Cli } from '../io.js';

const actions = () => import('../actions/audit.js');

/** `audit tail|verify`: the audit trail of HTTP mode. */
export function addAuditCommands(cli: Cli): void {
  const audit = cli.program.command('audit').description('read and check the audit trail of HTTP mode');
  audit
    .command('tail')
    .description('print the latest events as JSON lines (emails and addresses appear as pseudonyms)')
    .option('--type <type>', 'only events of this type (repeat for several), e.g. login.failed', collect, [] as string[])
    .option('--last <n>', 'how many of the latest events', '20')
    .option('--follow', 'keep printing new events as they are written (Ctrl-C to stop)')
    .action(async (options: { follow?: boolean; type: string[]; last: string }) => (await actions()).runAuditTail(cli, options));
  audit
    .command('verify')
    .description('check the MAC chain: every event, no gap, nothing removed before a recorded sweep; reports the first break (exit code 1)')
    .option('--anchor <file>', 'a checkpoint, or a JSON log holding checkpoints (the last is used): proves nothing up to it was removed or changed')
    .action(async (options: { anchor?: string }) => (await actions()).runAuditVerify(cli, options));
}
