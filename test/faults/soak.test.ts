import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chart } from './support/chart.js';
import { Fleet, type Session, type TrackedClient } from './support/fleet.js';
import { Load, type Step } from './support/load.js';
import { PostgresCluster } from './support/postgres-cluster.js';

/** How long the soak runs: 600 s (the 10 minutes) in CI; shorter while developing. */
const SECONDS = Number(process.env.FAULTS_SOAK_SECONDS ?? 600);
/** A directory to write the figures (soak.json) and the chart (soak.svg) to, for docs/performance.md. */
const REPORT = process.env.FAULTS_SOAK_REPORT;
const PEOPLE = ['ada', 'bob', 'cy'].map((name) => ({ email: `${name}@example.com`, password: `${name}'s long enough passphrase` }));
/** Workers per person, calling without pause. */
const WORKERS_PER_PERSON = 2;
/** Each person's tokens are refreshed this often (a refresh token works once: one refresh at a time). */
const REFRESH_EVERY_MS = 15_000;
/** Memory is sampled this often; figures are gathered in windows of WINDOW_S. */
const SAMPLE_EVERY_MS = 2_000;
const WINDOW_S = 10;
/**
 * The first half of the run is warm-up: V8 sizes its heap to the machine and lets garbage pile up
 * until its old space reaches a limit several times the live heap (the RSS of an instance here
 * climbs from about 150 to 330 MB over the first few thousand calls, then goes up and down by a
 * fifth as full collections come). The growth is that of the least-squares line through every
 * sample after the warm-up, from its first to its last: a leak is a slope, a collection's sawtooth
 * is not. The median RSS of the tenth after the warm-up and of the last tenth are reported beside it.
 */
const WARM_UP_S = SECONDS / 2;
const MEASURE_S = SECONDS / 10;

/** The least-squares line through the points: its value at the first x and at the last. */
function trend(points: [number, number][]): { from: number; to: number } {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  const slope = sxx ? points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0) / sxx : 0;
  const at = (x: number) => my + slope * (x - mx);
  return { from: at(points[0]![0]), to: at(points.at(-1)![0]) };
}

const residentMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

/**
 * One worker's calls in turn: write, read, change, search, complete, overview. It changes and
 * completes only its own open todos, so every call is one that must succeed.
 */
function mixed(): Step {
  const open = new Map<number, string[]>();
  return async (call, worker, roundNo) => {
    const mine = open.get(worker) ?? open.set(worker, []).get(worker)!;
    const word = `soak${worker}x${roundNo}`;
    switch (roundNo % 6) {
      case 0: {
        const created = await call('create_todo', { title: `Todo ${word}`, tags: ['soak', `w${worker}`], priority: 'medium' });
        if (created.ok) mine.push(String(created.result!.id));
        return;
      }
      case 1:
        await call('list_todos', { tag: `w${worker}`, completed: false, limit: 20 });
        return;
      case 2:
        if (mine.length) await call('update_todo', { todo_id: mine[mine.length - 1], title: `Todo ${word} (changed)` });
        else await call('list_todos', { limit: 5 });
        return;
      case 3:
        await call('search', { query: `soak${worker}x${roundNo - 3}` });
        return;
      case 4:
        if (mine.length > 5) await call('complete_todo', { todo_id: mine.shift() });
        else await call('list_todos', { limit: 5 });
        return;
      default:
        await call('get_dashboard');
    }
  };
}

describe(`a ${SECONDS}-second mixed soak on three instances`, { timeout: (SECONDS + 600) * 1000 }, () => {
  let cluster: PostgresCluster;
  let fleet: Fleet;
  let sessions: Session[];
  let clients: TrackedClient[];

  before(async () => {
    cluster = await PostgresCluster.create();
    fleet = await Fleet.start(cluster, {
      people: PEOPLE,
      // Limits far above the load: the soak measures the service, not the limits (they are still counted).
      config: { rate_limits: { mcp_per_minute: 1_000_000, token_per_minute: 10_000, pages_per_minute: 10_000 } },
    });
    sessions = [];
    for (const person of PEOPLE) sessions.push(await fleet.signIn(person));
    clients = [];
    for (const session of sessions) for (let w = 0; w < WORKERS_PER_PERSON; w++) clients.push(await session.client());
  });
  after(async () => {
    await Promise.all((clients ?? []).map((c) => c.close()));
    await fleet?.close();
    await cluster?.destroy();
  });

  it('no error, resident memory flat after the warm-up, p99 reported', async () => {
    const pids = fleet.instances.map((s) => s!.child.pid!);
    const samples: { t: number; rss: number[] }[] = [];
    const refreshErrors: string[] = [];
    const t0 = performance.now();
    const elapsedS = () => (performance.now() - t0) / 1000;
    const sample = () => samples.push({ t: elapsedS(), rss: pids.map(residentMb) });
    sample();
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    const refreshers = sessions.map((session, i) =>
      // Staggered, so the three people's refreshes do not all come at once.
      setTimeout(
        () => {
          const refresh = () => void session.refresh().catch((err: Error) => refreshErrors.push(err.message));
          refresh();
          refreshers[i] = setInterval(refresh, REFRESH_EVERY_MS);
        },
        ((i + 1) * REFRESH_EVERY_MS) / PEOPLE.length,
      ),
    );
    const load = new Load(clients, mixed()).start();
    const finished = new Promise<void>((resolve) => setTimeout(resolve, SECONDS * 1000));
    try {
      await finished;
    } finally {
      refreshers.forEach((r) => clearInterval(r));
      clearInterval(sampler);
      await load.stop();
      await Promise.all(sessions.map((s) => s.refresh().catch((err: Error) => refreshErrors.push(err.message))));
      sample();
    }
    const duration = elapsedS();

    // Figures.
    const outcomes = load.outcomes;
    const latency = (list: typeof outcomes) => list.map((o) => o.end - o.start).sort((a, b) => a - b);
    const all = latency(outcomes);
    const byTool = Object.fromEntries(
      [...new Set(outcomes.map((o) => o.tool))].sort().map((tool) => {
        const l = latency(outcomes.filter((o) => o.tool === tool));
        return [tool, { calls: l.length, p50_ms: round(quantile(l, 0.5)), p99_ms: round(quantile(l, 0.99)) }];
      }),
    );
    const windows = [];
    for (let start = 0; start + WINDOW_S <= duration; start += WINDOW_S) {
      const inWindow = outcomes.filter((o) => (o.end - t0) / 1000 >= start && (o.end - t0) / 1000 < start + WINDOW_S);
      const l = latency(inWindow);
      windows.push({ t: start + WINDOW_S / 2, calls: inWindow.length, p50_ms: round(quantile(l, 0.5)), p99_ms: round(quantile(l, 0.99)) });
    }
    const rssIn = (from: number, to: number) => pids.map((_, i) => median(samples.filter((s) => s.t >= from && s.t <= to).map((s) => s.rss[i]!)));
    const warm = rssIn(WARM_UP_S, WARM_UP_S + MEASURE_S);
    const end = rssIn(duration - MEASURE_S, duration);
    const instances = pids.map((pid, i) => {
      const line = trend(samples.filter((s) => s.t >= WARM_UP_S).map((s) => [s.t, s.rss[i]!]));
      return {
        name: Fleet.nameOf(i),
        served: outcomes.filter((o) => o.servedBy === Fleet.nameOf(i)).length,
        rss_start_mb: round(samples[0]!.rss[i]!),
        rss_warm_mb: round(warm[i]!),
        rss_end_mb: round(end[i]!),
        rss_max_mb: round(Math.max(...samples.map((s) => s.rss[i]!))),
        trend_mb: [round(line.from), round(line.to)],
        growth_pct: round((line.to / line.from - 1) * 100),
      };
    });
    const failures = load.failures;
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.availableParallelism(),
      load_average_at_end: os.loadavg().map((l) => round(l, 2)),
      seconds: round(duration),
      workers: clients.length,
      people: PEOPLE.length,
      calls: outcomes.length,
      calls_per_s: round(outcomes.length / duration),
      errors: failures.length + refreshErrors.length,
      refreshes: sessions.reduce((n, s) => n + s.refreshes, 0),
      latency_ms: { p50: round(quantile(all, 0.5)), p95: round(quantile(all, 0.95)), p99: round(quantile(all, 0.99)), max: round(all.at(-1) ?? 0) },
      by_tool: byTool,
      memory_windows_s: { warm: [round(WARM_UP_S), round(WARM_UP_S + MEASURE_S)], end: [round(duration - MEASURE_S), round(duration)] },
      instances,
      windows,
      rss_samples: samples.map((s) => ({ t: round(s.t), rss_mb: s.rss.map((r) => round(r)) })),
    };
    console.log(
      `soak: ${report.calls} calls in ${report.seconds} s (${report.calls_per_s}/s), ${report.errors} errors, ${report.refreshes} refreshes; ` +
        `p50 ${report.latency_ms.p50} ms, p95 ${report.latency_ms.p95} ms, p99 ${report.latency_ms.p99} ms; ` +
        instances.map((i) => `${i.name}: ${i.served} calls, RSS ${i.rss_warm_mb} -> ${i.rss_end_mb} MB (trend ${i.growth_pct} %)`).join('; '),
    );
    if (REPORT) writeReport(REPORT, report);

    assert.deepEqual(
      failures.slice(0, 10).map((f) => `${f.id} ${f.tool} on ${f.servedBy}: ${f.status} ${f.error}`),
      [],
      `${failures.length} calls failed`,
    );
    assert.deepEqual(refreshErrors, []);
    assert.ok(report.refreshes >= PEOPLE.length, 'tokens were refreshed');
    assert.equal(new Set(outcomes.map((o) => o.servedBy)).size, 3, 'every instance served');
    for (const i of instances) {
      assert.ok(i.growth_pct < 10, `${i.name}'s resident memory grew ${i.growth_pct} % after the warm-up (trend ${i.trend_mb.join(' -> ')} MB)`);
    }
  });
});

type Report = {
  seconds: number;
  calls: number;
  instances: { name: string; trend_mb: number[] }[];
  windows: { t: number; calls: number; p50_ms: number; p99_ms: number }[];
  rss_samples: { t: number; rss_mb: number[] }[];
  memory_windows_s: { warm: number[]; end: number[] };
};

function writeReport(dir: string, report: Report): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  const colors = ['#1f77b4', '#d62728', '#2ca02c'];
  const warmUp = { x: report.memory_windows_s.warm[0]!, label: 'end of warm-up' };
  const svg = chart(`mcp-pa serve ×3 behind haproxy: ${report.calls} mixed calls in ${report.seconds} s`, 'seconds', report.seconds, [
    {
      title: 'Resident memory of each instance',
      yLabel: 'RSS (MB)',
      series: [
        ...report.instances.map((inst, i) => ({
          name: inst.name,
          color: colors[i]!,
          points: report.rss_samples.map((s) => [s.t, s.rss_mb[i]!] as [number, number]),
        })),
        // The least-squares line after the warm-up, whose growth the test bounds.
        ...report.instances.map((inst, i) => ({
          name: `${inst.name} trend`,
          color: colors[i]!,
          dashed: true,
          points: [
            [report.memory_windows_s.warm[0]!, inst.trend_mb[0]!],
            [report.memory_windows_s.end[1]!, inst.trend_mb[1]!],
          ] as [number, number][],
        })),
      ],
      markers: [warmUp],
    },
    {
      title: `Latency per ${WINDOW_S}-second window (client to balancer to instance and back)`,
      yLabel: 'ms',
      series: [
        { name: 'p50', color: '#1f77b4', points: report.windows.map((w) => [w.t, w.p50_ms]) },
        { name: 'p99', color: '#d62728', points: report.windows.map((w) => [w.t, w.p99_ms]) },
      ],
      markers: [warmUp],
    },
    {
      title: `Calls per second (${WINDOW_S}-second windows)`,
      yLabel: 'calls/s',
      series: [{ name: 'calls/s', color: '#555', points: report.windows.map((w) => [w.t, w.calls / WINDOW_S]) }],
    },
  ]);
  fs.writeFileSync(path.join(dir, 'soak.svg'), svg);
}
