import type { Cli } from '../io.js';
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import { withAdminRuntime } from '../admin.js';

export async function runAuditTail(cli: Cli, options: { follow?: boolean; type: string[]; last: string }) {
  const last = Number(options.last);
  if (!Number.isInteger(last) || last < 1) throw new UserError('--last must be a whole number of events');
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const { readAudit } = await import('../../security/audit.js');
    const show = (rows: Awaited<ReturnType<typeof readAudit>>) => {
      for (const row of rows) cli.io.stdout.write(JSON.stringify({ ...row, details: JSON.parse(row.details) as unknown }) + '\n');
      return rows.at(-1)?.seq;
    };
    let seq = show(await readAudit(runtime.engine, { types: options.type, last }));
    while (options.follow) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      seq = show(await readAudit(runtime.engine, { types: options.type, afterSeq: seq ?? 0 })) ?? seq;
    }
  });
}

export async function runAuditVerify(cli: Cli, options: { anchor?: string }) {
  const anchor = options.anchor === undefined ? undefined : await readAnchor(options.anchor);
  await withAdminRuntime(cli, 'http', async (runtime) => {
    const { verifyAudit } = await import('../../security/audit.js');
    const verdict = await verifyAudit(runtime, anchor);
    if (!verdict.intact) {
      cli.io.stdout.write(`BROKEN at event #${verdict.seq} (${verdict.at}): ${verdict.reason}\n`);
      cli.io.exitCode = 1;
      return;
    }
    cli.io.stdout.write(verdict.count ? `intact: ${verdict.count} events, #${verdict.firstSeq} to #${verdict.lastSeq}\n` : 'intact: no events yet\n');
    for (const note of verdict.notes) cli.io.stdout.write(`${note}\n`);
  });
}

/** The last checkpoint in a file: one `{"audit_anchor": …}` object, or a whole JSON log. */
async function readAnchor(file: string) {
  const { lastAnchorIn } = await import('../../security/audit-chain.js');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`--anchor: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const anchor = lastAnchorIn(text);
  if (!anchor) {
    throw new UserError(`--anchor: ${file} holds no audit checkpoint (a line {"audit_anchor": {"seq", "mac", "at", "sig"}} from the JSON log of mcp-pa serve)`);
  }
  return anchor;
}
