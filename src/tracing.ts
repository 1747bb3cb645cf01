import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';

/**
 * OpenTelemetry spans, through the API only: without a tracer provider (tracing off, the default)
 * every call here is a no-op. The composition root registers the SDK when tracing is on
 * (compose/tracing.ts). Spans carry names, ids and outcomes, never a person's data or a secret.
 */
const tracer = trace.getTracer('mcp-pa');

/** The trace context a carrier (HTTP headers, an MCP request's `_meta`) holds, on top of `parent`. */
export function contextFrom(carrier: Record<string, unknown> | undefined, parent: Context = context.active()): Context {
  if (!carrier || typeof carrier.traceparent !== 'string') return parent;
  return propagation.extract(parent, carrier);
}

/** Runs `fn` with `parent` as the active context (an HTTP request's trace for everything it does). */
export const withContext = <T>(parent: Context, fn: () => T): T => context.with(parent, fn);

/**
 * Runs `fn` in a span (active, so spans it starts are its children), ended when it settles; a
 * throw marks it an error. `outcome` may name a failure that did not throw (a tool's isError).
 */
export function inSpan<T>(
  name: string,
  options: { kind?: 'server' | 'client' | 'internal'; attributes?: Attributes; parent?: Context; outcome?: (value: T) => string | undefined },
  fn: () => Promise<T>,
): Promise<T> {
  const kind = options.kind === 'server' ? SpanKind.SERVER : options.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL;
  return tracer.startActiveSpan(
    name,
    { kind, ...(options.attributes ? { attributes: options.attributes } : {}) },
    options.parent ?? context.active(),
    async (span) => {
      try {
        const value = await fn();
        const failure = options.outcome?.(value);
        if (failure) {
          span.setAttribute('error.type', failure);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return value;
      } catch (err) {
        span.setAttribute('error.type', (err as { code?: string }).code ?? (err as Error).name ?? 'Error');
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
