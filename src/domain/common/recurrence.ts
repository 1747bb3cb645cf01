import { RRuleTemporal } from 'rrule-temporal';
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { Temporal, parseMoment, toStored } from './time.js';
import { holdsDates } from './fields.js';

/**
 * RFC 5545 recurrence, expanded with rrule-temporal in the item's own zone (09:00 stays 09:00
 * across daylight-saving changes; ADR 0013). Everything here works on stored instants (UTC ISO
 * strings); the library is asked only for bounded windows, and every expansion is capped.
 */

/** The frequencies a person's calendar needs; faster ones would make thousands of entries a day. */
const FREQUENCIES = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY'];
const MAX_RULE = 500;
/** The most dates an exdates or rdates list holds. */
export const MAX_DATES = 1000;
/** A safety cap on the library's own loops (outer periods per call). */
const MAX_ITERATIONS = 100_000;

export const recurrenceFields = {
  recurrence: z
    .string()
    .refine((s) => s.length <= MAX_RULE, `must be at most ${MAX_RULE} characters`)
    .describe('RRULE or words ("every weekday"); null stops it.'),
  dates: (what?: string) => {
    const list = z
      .array(z.string().refine((s) => s.length <= 64, 'is too long to be a date'))
      .refine((dates) => dates.length <= MAX_DATES, `at most ${MAX_DATES} dates`);
    return holdsDates(what ? list.describe(what) : list);
  },
};

/** A series as the expander needs it: the rule, the first start in its zone, and the extra and removed starts. */
export interface Series {
  rule: string;
  start: Temporal.ZonedDateTime;
  /** All-day (or date-only) series: occurrences are days, at midnight of the zone. */
  dates: boolean;
  exdates: readonly string[];
  rdates: readonly string[];
}

/** Minutes of the hour a rule may name at most (FREQ=HOURLY;BYMINUTE=0,15,30,45 is four). */
const MAX_BYMINUTE = 12;

/** A list of whole numbers, each (or its absolute value, when signed) within [min, max]. */
const numbers =
  (min: number, max: number, signed = false) =>
  (value: string) =>
    value.split(',').every((n) => /^[+-]?\d{1,4}$/.test(n) && (signed || /^\d/.test(n)) && Math.abs(Number(n)) >= min && Math.abs(Number(n)) <= max);

/** The parts of RFC 5545 section 3.3.10, each with a check of its value's range. */
const PARTS: Record<string, (value: string) => boolean> = {
  FREQ: () => true,
  INTERVAL: numbers(1, 1000),
  COUNT: numbers(1, 10_000),
  UNTIL: (v) => /^\d{8}(T\d{6}Z?)?$/.test(v),
  BYMINUTE: (v) => numbers(0, 59)(v) && v.split(',').length <= MAX_BYMINUTE,
  BYHOUR: numbers(0, 23),
  BYDAY: (v) => v.split(',').every((d) => /^([+-]?([1-9]|[1-4]\d|5[0-3]))?(MO|TU|WE|TH|FR|SA|SU)$/.test(d)),
  BYMONTHDAY: numbers(1, 31, true),
  BYYEARDAY: numbers(1, 366, true),
  BYWEEKNO: numbers(1, 53, true),
  BYMONTH: numbers(1, 12),
  BYSETPOS: numbers(1, 366, true),
  WKST: (v) => /^(MO|TU|WE|TH|FR|SA|SU)$/.test(v),
};

/** The rule as stored: its parts checked, upper case, the optional RRULE: prefix dropped. */
export function checkRule(text: string, field = 'recurrence'): string {
  const rule = text
    .trim()
    .replace(/^RRULE:/i, '')
    .toUpperCase();
  const fail = (why: string) => new InvalidInputError(field, `${JSON.stringify(text)} ${why}`);
  if (rule === '' || /[\r\n]/.test(rule)) throw fail('is not a recurrence rule; write one such as FREQ=WEEKLY;BYDAY=MO');
  const parts = new Map<string, string>();
  for (const part of rule.split(';')) {
    const [name, value] = part.split('=');
    if (!name || value === undefined || value === '') throw fail(`has a part without a value (${part || 'empty'}); parts are NAME=VALUE separated by ;`);
    if (parts.has(name)) throw fail(`names ${name} twice`);
    parts.set(name, value);
  }
  for (const [name, value] of parts) {
    const check = PARTS[name];
    if (name === 'BYSECOND') throw fail('repeats by the second (BYSECOND); the finest a person’s calendar needs is BYMINUTE');
    if (!check) throw fail(`has the part ${name}, which RFC 5545 does not define; parts are ${Object.keys(PARTS).join(', ')}`);
    if (!check(value)) throw fail(`has ${name}=${value}, out of range${name === 'BYMINUTE' ? ` (or more than ${MAX_BYMINUTE} minutes)` : ''}`);
  }
  const freq = parts.get('FREQ');
  if (!freq) throw fail('has no FREQ; every rule starts with one, e.g. FREQ=DAILY');
  if (!FREQUENCIES.includes(freq)) throw fail(`repeats ${freq}; use one of ${FREQUENCIES.join(', ')}`);
  if (parts.has('DTSTART')) throw fail('holds a DTSTART; the start is the item’s own');
  if (parts.has('COUNT') && parts.has('UNTIL')) throw fail('has both COUNT and UNTIL; RFC 5545 allows one of them');
  try {
    // Parsing is the library's: a part it does not understand, or a value out of range, is refused here.
    new RRuleTemporal({ rruleString: rule, dtstart: Temporal.ZonedDateTime.from('2026-01-05T09:00[UTC]'), temporal: Temporal });
  } catch (err) {
    throw fail(`is not a valid rule: ${(err as Error).message}`);
  }
  return rule;
}

/**
 * Dates given for exdates or rdates, as stored instants: a date-time as it is, a plain date as the
 * occurrence on that day (the series' time of day, or midnight for all-day series). Sorted, unique.
 */
export function parseSeriesDates(values: readonly string[], start: Temporal.ZonedDateTime, field: string): string[] {
  const zone = start.timeZoneId;
  const stored = values.map((value) => {
    const m = parseMoment(value, zone, field);
    if (m.kind === 'instant') return toStored(m.instant);
    return toStored(m.date.toPlainDateTime(start.toPlainTime()).toZonedDateTime(zone).toInstant());
  });
  return [...new Set(stored)].sort();
}

const rules = new Map<string, RRuleTemporal<Temporal.ZonedDateTime>>();
const MAX_CACHED_RULES = 2000;
const MAX_CACHED_DATES = 50;

/** The library's rule object, kept per distinct series (a pure function of it: nothing of whose it is). */
function ruleOf(series: Series): RRuleTemporal<Temporal.ZonedDateTime> {
  const key = `${series.rule}|${series.start.toString()}|${series.exdates.join(',')}|${series.rdates.join(',')}`;
  let rule = rules.get(key);
  if (!rule) {
    const zoned = (s: string) => Temporal.Instant.from(s).toZonedDateTimeISO(series.start.timeZoneId);
    rule = new RRuleTemporal({
      rruleString: series.rule,
      dtstart: series.start,
      exDate: series.exdates.map(zoned),
      rDate: series.rdates.map(zoned),
      includeDtstart: true,
      maxIterations: MAX_ITERATIONS,
      temporal: Temporal,
    });
    // Kept only while small: a series with many dates holds a large object (about 0.5 MB with
    // 2,000), and the cache is shared by every tenant.
    if (series.exdates.length + series.rdates.length <= MAX_CACHED_DATES) {
      if (rules.size >= MAX_CACHED_RULES) rules.clear();
      rules.set(key, rule);
    }
  }
  return rule;
}

const DAY_MS = 86_400_000;

export interface Expansion {
  /** Original starts in [from, to), in order. */
  starts: string[];
  /** False when the cap stopped it: starts then ends before `to`. */
  complete: boolean;
}

/**
 * The starts of occurrences in [from, to) (stored instants), at most `cap` of them, asked of the
 * library a window at a time (a month, growing), so that a cap stops the work as well as the list.
 */
export function expand(series: Series, from: string, to: string, cap: number): Expansion {
  const rule = ruleOf(series);
  const starts: string[] = [];
  const end = Date.parse(to);
  let lo = Math.max(Date.parse(from), series.start.epochMilliseconds);
  for (let step = 31 * DAY_MS; lo < end; step *= 2) {
    const hi = Math.min(end, lo + step);
    const found = rule.between(new Date(lo), new Date(hi), true);
    for (const z of found) {
      const ms = z.epochMilliseconds;
      if (ms < lo || ms >= hi) continue;
      if (starts.length === cap) return { starts, complete: false };
      starts.push(toStored(z.toInstant()));
    }
    lo = hi;
  }
  return { starts, complete: true };
}

/** The first occurrence strictly after `after` (a stored instant), if any. */
export function nextAfter(series: Series, after: string): string | undefined {
  const next = ruleOf(series).next(new Date(Date.parse(after)), false);
  return next ? toStored(next.toInstant()) : undefined;
}

/** Whether the rule ends (COUNT or UNTIL) or has only RDATEs to add. */
export const ends = (rule: string) => /(^|;)(COUNT|UNTIL)=/.test(rule);

/** The last occurrence's start of a series that ends, unless it has more than `cap` occurrences (or cannot be walked). */
export function lastStart(series: Series, cap: number): string | undefined {
  let all: Temporal.ZonedDateTime[];
  try {
    all = ruleOf(series).all((_, i) => i <= cap);
  } catch {
    return undefined;
  }
  if (all.length > cap) return undefined;
  const last = all.at(-1);
  return last ? toStored(last.toInstant()) : undefined;
}

/** The rule with its end (COUNT, UNTIL) replaced: `end` is a part such as COUNT=3, or none. */
export function withEnd(rule: string, end?: string): string {
  const parts = rule.split(';').filter((p) => !/^(COUNT|UNTIL)=/.test(p));
  return [...parts, ...(end ? [end] : [])].join(';');
}

/** The COUNT of a rule, if it has one. */
export const countOf = (rule: string): number | undefined => {
  const m = /(?:^|;)COUNT=(\d+)/.exec(rule);
  return m ? Number(m[1]) : undefined;
};

/** An UNTIL part that ends a series just before `start` (a stored instant): a UTC time, or the day before for dates. */
export function untilBefore(series: Series, start: string): string {
  if (series.dates) {
    const day = Temporal.Instant.from(start).toZonedDateTimeISO(series.start.timeZoneId).toPlainDate().subtract({ days: 1 });
    return `UNTIL=${day.toString().replaceAll('-', '')}`;
  }
  const before = new Date(Date.parse(start) - 1000).toISOString();
  return `UNTIL=${before.slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/**
 * Refuses a rule that never repeats (say BYMONTH=2;BYMONTHDAY=30), with or without an end: the
 * start is always the first occurrence (RFC 5545), so the rule must give one more, found within
 * a few thousand periods; one that cannot would make every later expansion walk the library's
 * whole iteration cap. A rule that ends before its second occurrence is refused too (it is no
 * repetition), except COUNT=1, where a repeating todo stands at its last occurrence.
 */
export function checkRepeats(series: Series, field = 'recurrence') {
  // The last of a counted series (a todo moved on to it) is what COUNT=1 says.
  if (countOf(series.rule) === 1) return;
  let second: Temporal.ZonedDateTime | null;
  try {
    // Its own object with a small cap: an impossible rule would otherwise walk MAX_ITERATIONS periods.
    const probe = new RRuleTemporal({ rruleString: series.rule, dtstart: series.start, maxIterations: 2000, temporal: Temporal });
    second = probe.next(new Date(series.start.epochMilliseconds), false);
  } catch {
    second = null;
  }
  if (!second) throw new InvalidInputError(field, `${series.rule} never repeats after the start; check its parts`);
}

/** Whether `start` (a stored instant) is an occurrence of the series. */
export function isOccurrence(series: Series, start: string): boolean {
  const ms = Date.parse(start);
  return expand(series, start, new Date(ms + 1).toISOString(), 1).starts.length === 1;
}

/** The series' starting point: a zoned start for timed items, midnight of the first day for dates. */
export function seriesStart(startStored: string, zone: string, dates: boolean, date?: string): Temporal.ZonedDateTime {
  if (dates && date) return Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone });
  return Temporal.Instant.from(startStored).toZonedDateTimeISO(zone);
}

/** A JSON list of stored instants, as the rows keep exdates and rdates. */
export const storedList = (json: string): string[] => JSON.parse(json) as string[];
