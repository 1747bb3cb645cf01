import { suggestIds } from '../domain/search/suggest.js';
import type { TenantWork } from './errors.js';

/**
 * A completer of project or document ids for the argument `argument` (a resource template
 * variable or a prompt argument); its failures leave through the one error mapping.
 */
export function idCompleter(work: TenantWork, kind: 'project' | 'document', argument: string) {
  return (typed: string): Promise<string[]> => work.read(`completing ${argument}`, (ctx) => suggestIds(ctx, kind, typed, argument));
}
