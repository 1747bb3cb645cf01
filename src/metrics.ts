import client from 'prom-client';

/**
 * The server's Prometheus metrics (prom-client), in one registry of this process. The parts that
 * see an event count it here (a tool call, a refused token, a rate-limit trip, a reminder sent);
 * what is a level rather than an event (the database pool, the audit queue, the embedding backlog)
 * is read at scrape time from the sources the composition root names in `watch`. Counting costs a
 * few additions, so it happens whether or not anything scrapes; only HTTP mode serves them.
 */
export const registry = new client.Registry();

/** Seconds, from a millisecond on the loopback to a slow provider call. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Durations in seconds, by what was served (`what`) and how it ended. */
const durations = <T extends string>(name: string, help: string, what: T) =>
  new client.Histogram({ name, help, labelNames: [what, 'status'] as const, buckets: BUCKETS, registers: [registry] });

const toolCalls = durations(
  'mcp_pa_tool_call_duration_seconds',
  'MCP tool calls by tool and status (ok, invalid, not_found, busy, internal), with their duration',
  'tool',
);
const httpRequests = durations(
  'mcp_pa_http_request_duration_seconds',
  'HTTP requests by route (mcp, token, oauth, metadata, feeds, health, other) and status code, with their duration',
  'route',
);

const tokenRefusals = new client.Counter({
  name: 'mcp_pa_token_refusals_total',
  help: 'Access tokens refused at the MCP endpoint, and token requests refused by the embedded authorization server, by reason',
  labelNames: ['where', 'reason'] as const,
  registers: [registry],
});

const rateLimited = new client.Counter({
  name: 'mcp_pa_rate_limited_total',
  help: 'Requests refused by a rate limit, by policy',
  labelNames: ['policy'] as const,
  registers: [registry],
});

const reminderDeliveries = new client.Counter({
  name: 'mcp_pa_reminder_deliveries_total',
  help: 'Reminder webhook deliveries by outcome (sent, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Levels read when scraped; each source is optional (local engines have no pool). */
export interface MetricSources {
  pool?: () => { total: number; idle: number; waiting: number };
  auditQueue?: () => number;
  embeddingBacklog?: () => Promise<{ waiting: number; failing: number }>;
}

let sources: MetricSources = {};

new client.Gauge({
  name: 'mcp_pa_db_pool_connections',
  help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    const pool = sources.pool?.();
    if (pool) for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, pool[state]);
  },
});

new client.Gauge({
  name: 'mcp_pa_audit_queue_events',
  help: 'Audit events logged but not yet written to the database',
  registers: [registry],
  collect() {
    const queued = sources.auditQueue?.();
    if (queued !== undefined) this.set(queued);
  },
});

new client.Gauge({
  name: 'mcp_pa_embedding_backlog_items',
  help: 'Items waiting for embeddings (waiting) and of those, failing and retried later (failing)',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    const backlog = await sources.embeddingBacklog?.().catch(() => undefined);
    if (backlog) for (const state of ['waiting', 'failing'] as const) this.set({ state }, backlog[state]);
  },
});

/** Label values that come from text (a refusal's reason): at most this many kept apart, so a flood of odd values cannot grow the series without bound. */
const MAX_REASONS = 64;
const reasons = new Set<string>();

function boundedReason(reason: string): string {
  const short = reason.slice(0, 120);
  if (reasons.has(short)) return short;
  if (reasons.size >= MAX_REASONS) return 'other';
  reasons.add(short);
  return short;
}

export const metrics = {
  toolCall(tool: string, status: string, seconds: number): void {
    toolCalls.observe({ tool, status }, seconds);
  },
  httpRequest(route: string, status: number, seconds: number): void {
    httpRequests.observe({ route, status: String(status) }, seconds);
  },
  tokenRefused(where: 'resource' | 'token_endpoint', reason: string): void {
    tokenRefusals.inc({ where, reason: boundedReason(reason) });
  },
  rateLimited(policy: string): void {
    rateLimited.inc({ policy });
  },
  reminderDelivery(outcome: 'sent' | 'failed'): void {
    reminderDeliveries.inc({ outcome });
  },
  /** Where the levels come from (the composition root, once its parts exist). */
  watch(next: MetricSources): void {
    sources = { ...sources, ...next };
  },
  /** The process's own (memory, CPU, event loop delay, garbage collection), once, when metrics are served. */
  collectProcessMetrics(): void {
    if (!registry.getSingleMetric('mcp_pa_process_resident_memory_bytes')) client.collectDefaultMetrics({ register: registry, prefix: 'mcp_pa_' });
  },
};
