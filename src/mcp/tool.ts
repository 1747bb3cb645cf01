import type { z } from 'zod';
import type { ContentBlock } from '@modelcontextprotocol/server';
import type { DomainContext } from '../domain/context.js';
import { SCOPES, type Scope } from '../scopes.js';
import type { Access } from '../storage/engine.js';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/**
 * Everything about a tool, declared once: the MCP registration, the OAuth scope the HTTP layer
 * enforces and the docs' tool reference all read from this object.
 */
export interface ToolDeclaration<I extends AnyObject = AnyObject, O extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  /** read: answers from the data, changes nothing (scope pa:read); write: changes data (scope pa:write). */
  access: Access;
  /** For write tools: may it overwrite or remove data? Is calling it twice the same as once? */
  destructive?: boolean;
  idempotent?: boolean;
  run(ctx: DomainContext, input: z.output<I>): Promise<z.output<O>>;
  /** A short human-readable account of the result, sent next to the structured content. */
  summarize(result: z.output<O>): string;
  /** Extra content blocks (e.g. a document's bytes as an embedded resource). */
  content?(result: z.output<O>): ContentBlock[];
}

export function defineTool<I extends AnyObject, O extends z.ZodType>(tool: ToolDeclaration<I, O>): ToolDeclaration<I, O> {
  return tool;
}

export const scopeOf = (tool: Pick<ToolDeclaration, 'access'>): Scope => SCOPES[tool.access];

export function annotationsOf(tool: ToolDeclaration) {
  const readOnly = tool.access === 'read';
  return {
    title: tool.title,
    readOnlyHint: readOnly,
    ...(readOnly ? {} : { destructiveHint: tool.destructive ?? false, idempotentHint: tool.idempotent ?? false }),
    openWorldHint: false,
  };
}
