// Recurring events (issue 14): list_calendar_events over one week among 20,000 events of which
// 1,000 are recurring series, against the same query over 20,000 single events, in one run
// (target: p50 at most 2×). Run: npm run build && tsx bench/recurrence.bench.ts. Writes
// bench/results/recurrence.json.
//
// Two homes (local SQLite mode). Both hold the same 19,000 single events, seeded once through the
// domain service (as bench/seed.ts does: the real write path, search index included) and copied;
// home A then gets 1,000 more single events, home B 1,000 series created by the built server's
// create_calendar_event over stdio (which builds their kept occurrences). Both servers are then
// measured by a real MCP client, in alternating rounds so that drift of the machine falls on both,
// with the default page size: next week (days 7 to 13 from today, inside the window where
// occurrences are kept: the target) and, as a second figure, a week five years ahead (outside it:
// every series that reaches it is expanded on each read).
//
// The servers run under the Node the tests use (scripts/node-runtime.mjs): this one if it meets the
// engines floor, else tools/node's node22; BENCH_NODE=22, 24 or current chooses. BENCH_ITERATIONS
// (default 400) calls per home for the near week, BENCH_FAR_ITERATIONS (default 100) for the far
// one. BENCH_CPU_PROF=DIR runs the servers with --cpu-prof (profiles in DIR). BENCH_KEEP=1 keeps the
// two homes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logging.js';
import { LOCAL_TENANT, openRuntime } from '../src/runtime.js';
import { createEvent } from '../src/domain/calendar/service.js';
import { CreateEventInput } from '../src/domain/calendar/schema.js';
import { VOCABULARY } from './seed.js';
import { SERVER_NODE } from './server-node.js';
import { stats, type Stats } from './measure.js';

const EVENTS = 20_000;
const SERIES = 1_000;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const FAR_ITERATIONS = Number(process.env.BENCH_FAR_ITERATIONS ?? 100);
const ROUNDS = 4;
const CLI = path.resolve('dist/cli.js');
const NODE = SERVER_NODE;
const PROFILE_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const DAY = 86_400_000;
/**
 * Single events start from three years back to six years ahead (about 43 a week), so that both
 * measured weeks, next week and five years ahead, hold about as many single events.
 */
const SPREAD_DAYS = { before: 3 * 365, after: 6 * 365 };

const log = (msg: string) => console.error(`[bench] ${msg}`);

/** A deterministic pseudo-random sequence, so every run seeds the same data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const random = rng(14);
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
const words = (n: number) => Array.from({ length: n }, () => VOCABULARY[Math.floor(random() * 500)]!).join(' ');
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pad = (n: number) => String(n).padStart(2, '0');

/** The i-th single event (the same in both homes), in the shape of bench/seed.ts's events. */
function singleEvent(i: number): CreateEventInput {
  const start =
    Date.now() + (Math.floor(random() * (SPREAD_DAYS.before + SPREAD_DAYS.after)) - SPREAD_DAYS.before) * DAY + Math.floor(random() * 10) * 3_600_000;
  const long = random() < 0.01;
  return CreateEventInput.parse({
    title: `${words(2)} ${i}`,
    location: random() < 0.5 ? words(1) : undefined,
    attendees: random() < 0.3 ? ['ana@example.com', 'bo@example.com'] : [],
    start_time: new Date(start).toISOString(),
    end_time: new Date(start + (long ? 10 * DAY : 3_600_000)).toISOString(),
  });
}

const ZONES = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles', 'UTC'];
/** Rules by weight (out of 100); `count` gives some of them an end. */
const RULES: { rule: string; weight: number; count?: readonly number[] }[] = [
  { rule: 'FREQ=DAILY', weight: 15, count: [10, 30, 90] },
  { rule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR', weight: 10 },
  { rule: 'FREQ=WEEKLY', weight: 20, count: [6, 12, 52] },
  { rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR', weight: 15 },
  { rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU', weight: 15, count: [10, 26] },
  { rule: 'FREQ=MONTHLY;BYMONTHDAY=15', weight: 10, count: [6, 12] },
  { rule: 'FREQ=MONTHLY;BYDAY=1MO', weight: 5 },
  { rule: 'FREQ=YEARLY', weight: 10 },
];

/** The i-th series: a rule of the mix above, in one of a few zones, started in the last 15 months. */
function seriesEvent(i: number) {
  let w = random() * 100;
  const choice = RULES.find((r) => (w -= r.weight) < 0) ?? RULES[0]!;
  const ended = choice.count && random() < 0.3 ? `;COUNT=${pick(choice.count)}` : '';
  const timezone = pick(ZONES);
  const day = isoDay(Date.now() - Math.floor(random() * 450) * DAY);
  const tags = random() < 0.5 ? [pick(['work', 'home', 'family', 'health'])] : [];
  // A few yearly ones are all-day (birthdays, anniversaries).
  if (choice.rule === 'FREQ=YEARLY' && random() < 0.5) {
    return { title: `${words(2)} birthday ${i}`, start_time: day, end_time: day, all_day: true, timezone, recurrence: choice.rule, tags };
  }
  const hour = 7 + Math.floor(random() * 12);
  const minutes = pick([30, 45, 60, 60, 90, 120]);
  const end = hour * 60 + minutes;
  return {
    title: `${words(2)} ${i}`,
    start_time: `${day}T${pad(hour)}:${pick(['00', '30'])}`,
    end_time: `${day}T${pad(Math.floor(end / 60))}:${pad(end % 60)}`,
    all_day: false,
    timezone,
    recurrence: choice.rule + ended,
    tags,
  };
}

async function seedSingles(home: string, from: number, to: number) {
  const runtime = await openRuntime(loadConfig({}, { HOME: home, MCP_PA_LOG_LEVEL: 'silent' }), createLogger('silent'));
  await runtime.ensureTenant(LOCAL_TENANT);
  try {
    for (let start = from; start < to; start += 1000) {
      await runtime.run('write', LOCAL_TENANT, async (ctx) => {
        for (let i = start; i < Math.min(to, start + 1000); i++) await createEvent(ctx, singleEvent(i));
      });
      if ((start - from) % 5000 === 0) log(`single events: ${Math.min(to, start + 1000)}/${to}`);
    }
  } finally {
    await runtime.close();
  }
}

async function connect(home: string, label: string) {
  const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`] : [];
  const transport = new StdioClientTransport({
    command: NODE.bin,
    args: [...profile, CLI],
    env: { PATH: process.env.PATH ?? '', HOME: home, TZ: 'UTC', MCP_PA_LOG_LEVEL: 'warn' },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
    return r.structuredContent as Record<string, unknown>;
  };
  return { client, transport, call };
}
type Server = Awaited<ReturnType<typeof connect>>;

async function sample(fn: () => Promise<unknown>, n: number, into: number[]) {
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    into.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}

/** The same call on both servers: warmed up, then timed in alternating rounds (A, B, B, A, ...). */
async function compare(a: () => Promise<unknown>, b: () => Promise<unknown>, iterations: number) {
  const warm = Math.max(10, Math.min(50, iterations / 4));
  await sample(a, warm, []);
  await sample(b, warm, []);
  const samples = { a: [] as number[], b: [] as number[] };
  const per = Math.ceil(iterations / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const which of order) await sample(which === 'a' ? a : b, per, samples[which]);
  }
  const sa = stats(samples.a);
  const sb = stats(samples.b);
  const ratio = (k: keyof Stats) => Math.round((sb[k] / sa[k]) * 100) / 100;
  return { plain: sa, recurring: sb, ratio_p50: ratio('p50'), ratio_p95: ratio('p95') };
}

interface Page {
  items: { occurrence_of: string | null }[];
  next_cursor?: string | null;
}

/** What a week holds: the first page as measured, and every entry by paging through (not timed). */
async function describeWeek(server: Server, week: { start_date: string; end_date: string }) {
  const first = (await server.call('list_calendar_events', week)) as unknown as Page;
  let total = 0;
  let occurrences = 0;
  let pages = 0;
  let cursor: string | undefined;
  do {
    const page = (await server.call('list_calendar_events', { ...week, limit: 200, ...(cursor ? { cursor } : {}) })) as unknown as Page;
    total += page.items.length;
    occurrences += page.items.filter((e) => e.occurrence_of !== null).length;
    cursor = page.next_cursor ?? undefined;
    pages++;
  } while (cursor && pages < 100);
  return {
    first_page: { items: first.items.length, occurrences: first.items.filter((e) => e.occurrence_of !== null).length, more: Boolean(first.next_cursor) },
    in_week: { entries: total, occurrences, single: total - occurrences },
  };
}

const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-pa-bench-recurrence-'));
const homeA = path.join(tmp, 'plain');
const homeB = path.join(tmp, 'recurring');
try {
  fs.mkdirSync(homeA);
  let t0 = Date.now();
  await seedSingles(homeA, 0, EVENTS - SERIES);
  fs.cpSync(homeA, homeB, { recursive: true });
  await seedSingles(homeA, EVENTS - SERIES, EVENTS);
  const seedSinglesSeconds = (Date.now() - t0) / 1000;
  log(`${EVENTS} single events in A, ${EVENTS - SERIES} copied to B: ${seedSinglesSeconds.toFixed(0)} s`);

  t0 = Date.now();
  const rules: Record<string, number> = {};
  {
    const writer = await connect(homeB, 'seed');
    for (let i = 0; i < SERIES; i++) {
      const input = seriesEvent(i);
      const kind = input.recurrence.replace(/;COUNT=\d+/, ';COUNT=n') + (input.all_day ? ' (all day)' : '');
      rules[kind] = (rules[kind] ?? 0) + 1;
      await writer.call('create_calendar_event', input);
      if (i % 250 === 249) log(`series: ${i + 1}/${SERIES}`);
    }
    await writer.client.close();
  }
  const seedSeriesSeconds = (Date.now() - t0) / 1000;
  log(`${SERIES} series created over stdio in ${seedSeriesSeconds.toFixed(0)} s`);

  const a = await connect(homeA, 'plain');
  const b = await connect(homeB, 'recurring');
  const now = Date.now();
  const near = { start_date: isoDay(now + 7 * DAY), end_date: isoDay(now + 13 * DAY) };
  const far = { start_date: isoDay(now + (5 * 365 + 7) * DAY), end_date: isoDay(now + (5 * 365 + 13) * DAY) };
  const weeks = {
    near: { ...near, plain: await describeWeek(a, near), recurring: await describeWeek(b, near) },
    far: { ...far, plain: await describeWeek(a, far), recurring: await describeWeek(b, far) },
  };
  log(`near week ${near.start_date}..${near.end_date}: measuring ${ITERATIONS} calls per home`);
  const nearWeek = await compare(
    () => a.call('list_calendar_events', near),
    () => b.call('list_calendar_events', near),
    ITERATIONS,
  );
  log(`far week ${far.start_date}..${far.end_date}: measuring ${FAR_ITERATIONS} calls per home`);
  const farWeek = await compare(
    () => a.call('list_calendar_events', far),
    () => b.call('list_calendar_events', far),
    FAR_ITERATIONS,
  );
  const floor = await compare(
    () => a.client.discover(),
    () => b.client.discover(),
    ITERATIONS,
  );
  await a.client.close();
  await b.client.close();

  const dbSize = (home: string) => Math.round(fs.statSync(path.join(home, '.config/mcp-pa/database.sqlite')).size / 1024 / 1024);
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      node: process.version,
      server_node: NODE.version,
      platform: `${os.platform()} ${os.release()}`,
      loadavg: os.loadavg(),
    },
    iterations: { near: ITERATIONS, far: FAR_ITERATIONS, rounds: ROUNDS },
    data: {
      plain: { single_events: EVENTS },
      recurring: { single_events: EVENTS - SERIES, series: SERIES, rules },
      single_events_spread_days: [-SPREAD_DAYS.before, SPREAD_DAYS.after],
      series_started_days_ago: [0, 449],
      zones: ZONES,
      database_mb: { plain: dbSize(homeA), recurring: dbSize(homeB) },
    },
    weeks,
    latency_ms: {
      baseline_discover: floor,
      list_week_near: nearWeek,
      list_week_five_years_ahead: farWeek,
    },
    target: { ratio_p50_at_most: 2, near_week_met: nearWeek.ratio_p50 <= 2 },
    seed_seconds: { single_events: Math.round(seedSinglesSeconds), series_over_stdio: Math.round(seedSeriesSeconds) },
    total_seconds: Math.round((Date.now() - started) / 1000),
  };
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/recurrence.json', JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report, null, 2));
  log(
    `near week p50 ${nearWeek.plain.p50} ms plain, ${nearWeek.recurring.p50} ms recurring: ${nearWeek.ratio_p50}× (target ≤ 2×); ` +
      `five years ahead ${farWeek.plain.p50} / ${farWeek.recurring.p50} ms: ${farWeek.ratio_p50}×`,
  );
} finally {
  if (process.env.BENCH_KEEP) log(`kept: ${homeA} and ${homeB}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}
