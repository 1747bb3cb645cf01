import type { Kysely } from 'kysely';
import type { Dialect } from '../engine.js';

/** One step of the schema; apart from index.ts so that a migration never imports the list it is in. */
export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}
