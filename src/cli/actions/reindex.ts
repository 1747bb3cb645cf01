import type { Cli } from '../io.js';
import { UserError } from '../../errors.js';
import { startRecall } from '../../compose/recall.js';
import { embeddingsMissing } from '../../config/load.js';
import { withAdminRuntime } from '../admin.js';

/** A progress line: a bar on a terminal (redrawn in place), else a line at each tenth. */
function progressWriter(out: NodeJS.WritableStream & { isTTY?: boolean }) {
  let lastTenth = -1;
  return (done: number, total: number, failed: number) => {
    const share = total === 0 ? 1 : Math.min(1, done / total);
    const text = `${done}/${total} items embedded${failed ? `, ${failed} failed (retried later)` : ''}`;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
    } else if (Math.floor(share * 10) > lastTenth) {
      lastTenth = Math.floor(share * 10);
      out.write(`mcp-pa: ${text}\n`);
    }
  };
}

/**
 * `reindex`: every item of every person queued for embeddings again, then embedded with a
 * progress bar, until nothing is left that the provider can do now. Exit code 1 if some failed
 * (they stay queued, and a running server retries them).
 */
export async function runReindex(cli: Cli) {
  await withAdminRuntime(cli, undefined, async (runtime) => {
    const { config, logger } = runtime;
    if (!config.features.vector_search)
      throw new UserError('reindex: vector search is off: set features.vector_search to true (and the embeddings provider) first.');
    const missing = embeddingsMissing(config);
    if (missing) throw new UserError(`reindex: ${missing} is not set: mcp-pa needs an embeddings provider to embed with.`);
    let total = 0;
    let done = 0;
    let failed = 0;
    const show = progressWriter(cli.io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
    const recall = await startRecall(runtime, logger, {
      followModelChange: false,
      onBatch: (stored, failures) => {
        done += stored;
        failed += failures;
        show(done, total, failed);
      },
    });
    try {
      total = await recall.reindexAll();
      show(0, total, 0);
      await recall.settled();
      // So that the first searches walk the vector index (PGlite plans by statistics nobody else refreshes).
      await runtime.engine.refreshStatistics();
    } finally {
      recall.stop();
    }
    if ((cli.io.stderr as { isTTY?: boolean }).isTTY) cli.io.stderr.write('\n');
    cli.io.stdout.write(
      `embedded ${done} of ${total} items with ${config.embeddings.model}${failed ? `; ${failed} failed: ${recall.warning() ?? 'see the log'}` : ''}\n`,
    );
    if (failed) cli.io.exitCode = 1;
  });
}
