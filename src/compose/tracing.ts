import type { ResolvedConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import { SERVER_VERSION } from '../mcp/server.js';

/**
 * OpenTelemetry traces, when `tracing.enabled` (off by default): the SDK registered globally, so
 * the spans src/tracing.ts starts (a tool call, each database transaction) are recorded, with the
 * caller's W3C trace context (HTTP headers, an MCP request's `_meta`) as their parent, and sent in
 * batches over OTLP/HTTP. Loaded only when on. Returns what flushes and stops it.
 */
export async function startTracing(config: ResolvedConfig, logger: Logger): Promise<() => Promise<void>> {
  const { enabled, endpoint, service_name: serviceName, sample_ratio: ratio } = config.tracing;
  if (!enabled) return async () => undefined;
  const [api, sdk, { OTLPTraceExporter }, { AsyncLocalStorageContextManager }, core, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter(endpoint ? { url: endpoint } : {});
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': SERVER_VERSION }),
    // A caller that sampled its trace gets our spans in it; our own roots are sampled at the ratio.
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }));
  api.trace.setGlobalTracerProvider(provider);
  logger.info(
    { endpoint: endpoint ?? 'from OTEL_EXPORTER_OTLP_* or http://localhost:4318/v1/traces', sampleRatio: ratio },
    'tracing on: spans go out over OTLP',
  );
  return async () => {
    await provider.shutdown().catch((err: unknown) => logger.warn({ err }, 'the last spans could not be sent'));
    api.trace.disable();
    api.context.disable();
    api.propagation.disable();
  };
}
