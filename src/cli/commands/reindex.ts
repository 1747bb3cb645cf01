import type { Cli } from '../io.js';

const actions = () => import('../actions/reindex.js');

export function addReindexCommands(cli: Cli): void {
  cli.program
    .command('reindex')
    .description('embed every item again with the configured embeddings provider (after a model change, or to fill the backlog now)')
    .action(async () => (await actions()).runReindex(cli));
}
