import type { z } from 'zod';
import type { ContentBlock } from '@modelcontextprotocol/server';
import type { DomainContext } from '../domain/context.js';
import { SCOPES, type Scope } from '../scopes.js';
import type { Access } from '../storage/engine.js';
import type { StandardSchema } from './json-schema-cache.js';
import type { QueryEmbedder } from '../domain/search/recall.js';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/**
 * Everything about a tool, declared once: the MCP registration, the OAuth scope the HTTP layer
 * enforces and the docs' tool reference all read from this object.
 */
/** What a tool may prepare before its transaction: a search query's embedding (a provider call never holds a transaction open). */
interface ToolServices {
  readonly recall: QueryEmbedder;
  readonly offer: { readonly maxFileSizeMb: number };
}

export interface ToolDeclaration<I extends AnyObject = AnyObject, O extends z.ZodType = z.ZodType, P = unknown> {
  name: string;
  title: string;
  /** A function when the text depends on the server's settings (an upload limit). */
  description: string | ((facts: { maxFileSizeMb: number }) => string);
  input: I;
  output: O;
  /** What the tool list shows instead (see shownAs in json-schema-cache.ts); input and output still validate. */
  shown?: { input?: StandardSchema; output?: StandardSchema };
  /** read: answers from the data, changes nothing (scope pa:read); write: changes data (scope pa:write). */
  access: Access;
  /** For write tools: may it overwrite or remove data? Is calling it twice the same as once? */
  destructive?: boolean;
  idempotent?: boolean;
  /** Work done before the transaction; its result is run's third argument. */
  prepare?(input: z.output<I>, services: ToolServices): Promise<P>;
  run(ctx: DomainContext, input: z.output<I>, prepared: P): Promise<z.output<O>>;
  /** A short human-readable account of the result, sent next to the structured content. */
  summarize(result: z.output<O>): string;
  /** Extra content blocks (e.g. a document's bytes as an embedded resource). */
  content?(result: z.output<O>): ContentBlock[];
}

export function defineTool<I extends AnyObject, O extends z.ZodType, P = undefined>(tool: ToolDeclaration<I, O, P>): ToolDeclaration<I, O, P> {
  return tool;
}

export const scopeOf = (tool: Pick<ToolDeclaration, 'access'>): Scope => SCOPES[tool.access];

/**
 * The hints, leaving out what MCP already assumes when a hint is absent (not read-only,
 * destructive, not idempotent, open world): the tool list is read on every turn.
 */
export function annotationsOf(tool: ToolDeclaration) {
  if (tool.access === 'read') return { readOnlyHint: true, openWorldHint: false };
  return {
    ...(tool.destructive ? {} : { destructiveHint: false }),
    ...(tool.idempotent ? { idempotentHint: true } : {}),
    openWorldHint: false,
  };
}
