import type { Cli } from '../io.js';
import { ConfigError } from '../../errors.js';
import { runDoctor, type CheckResult } from '../../compose/doctor.js';
import { configFrom } from '../admin.js';

const LABEL: Record<CheckResult['status'], string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: '--' };

/**
 * `doctor`: a line per check of the deployment the configuration describes (changing nothing),
 * then a count. Exit code 1 if any check failed; warnings alone exit 0.
 */
export async function runDoctorCommand(cli: Cli, options: { serve?: boolean; json?: boolean }) {
  let results: CheckResult[];
  try {
    results = await runDoctor(configFrom(cli, { ...(options.serve ? { mode: 'http' } : {}), serving: true }));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    results = [{ check: 'configuration', status: 'fail', message: err.message }];
  }
  if (options.json) cli.io.stdout.write(`${JSON.stringify({ checks: results }, null, 2)}\n`);
  else {
    const width = Math.max(...results.map((r) => r.check.length));
    for (const r of results) cli.io.stdout.write(`${LABEL[r.status].padEnd(4)}  ${r.check.padEnd(width)}  ${r.message.replace(/\n/g, '\n      ')}\n`);
    const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
    cli.io.stdout.write(`\n${count('ok')} ok, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${count('fail')} failed, ${count('skip')} skipped\n`);
  }
  if (results.some((r) => r.status === 'fail')) cli.io.exitCode = 1;
}
