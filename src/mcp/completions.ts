import { suggestIds } from '../domain/search/suggest.js';
import type { Runtime } from '../runtime.js';
import { mapped } from './errors.js';

/**
 * A completer of project or document ids for the argument `argument` (a resource template
 * variable or a prompt argument); its failures leave through the one error mapping.
 */
export function idCompleter(runtime: Runtime, tenantId: string, kind: 'project' | 'document', argument: string) {
  return (typed: string): Promise<string[]> =>
    mapped(`completing ${argument}`, runtime.logger, () => runtime.run('read', tenantId, (ctx) => suggestIds(ctx, kind, typed, argument)));
}
