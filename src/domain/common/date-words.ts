import * as chrono from 'chrono-node/en';
import { InvalidInputError } from '../../errors.js';
import { Temporal } from './time.js';

/**
 * Dates said in words ("tomorrow 9am", "next fri", "in 2 weeks", "end of month"), read in the
 * person's zone against the server's clock, into the ISO text the services read: a date
 * (2026-12-04) or a local date-time (2026-12-04T09:00). chrono-node reads most phrases; a few are
 * ours because people mean something chrono does not ("next fri" is the first Friday after today)
 * or because the phrase is ambiguous and must be refused with its readings (docs/dates.md).
 */

const DATE_WORD_EXAMPLES = 'today, tomorrow 9am, next fri, friday 15:00, in 2 weeks, in 3 days at 09:30, dec 24, end of month';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun" and the full names. */
const WEEKDAY = /^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|sday|nesday|rsday|urday)?$/;
const weekdayNumber = (word: string) => WEEKDAYS.findIndex((day) => day.startsWith(word.slice(0, 3))) + 1;

const DAYPART_HOURS: Record<string, number> = { morning: 9, afternoon: 15, evening: 19, tonight: 20, night: 20 };

function refuse(field: string, text: string, why: string): never {
  throw new InvalidInputError(field, `${JSON.stringify(text)} ${why}`);
}

/** The phrase with a leading day of ours ("next fri", "end of month", 03/04) turned into an ISO date. */
function ourDays(text: string, today: Temporal.PlainDate, field: string): string {
  const next = /^next\s+([a-z]+)\b(.*)$/.exec(text);
  if (next && WEEKDAY.test(next[1]!)) {
    const ahead = (weekdayNumber(next[1]!) - today.dayOfWeek + 7) % 7 || 7;
    return `${today.add({ days: ahead }).toString()}${next[2]}`;
  }
  const end = /^end of (the )?(week|month|year)\b(.*)$/.exec(text);
  if (end) {
    const unit = end[2]!;
    const last =
      unit === 'week'
        ? today.add({ days: 7 - today.dayOfWeek })
        : unit === 'month'
          ? today.with({ day: today.daysInMonth })
          : today.with({ month: 12, day: 31 });
    return `${last.toString()}${end[3]}`;
  }
  const numeric = /^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?\b(.*)$/.exec(text);
  if (numeric) {
    const [a, b] = [Number(numeric[1]), Number(numeric[2])];
    const yearOf = (month: number, day: number) => {
      if (numeric[3]) return numeric[3].length === 2 ? 2000 + Number(numeric[3]) : Number(numeric[3]);
      const thisYear = Temporal.PlainDate.from({ year: today.year, month, day }, { overflow: 'constrain' });
      return Temporal.PlainDate.compare(thisYear, today) < 0 ? today.year + 1 : today.year;
    };
    const iso = (month: number, day: number) => {
      try {
        return Temporal.PlainDate.from({ year: yearOf(month, day), month, day }, { overflow: 'reject' }).toString();
      } catch {
        return refuse(field, text, 'is not a date on the calendar');
      }
    };
    if (a <= 12 && b <= 12 && a !== b) {
      refuse(field, text, `could be ${iso(a, b)} (month/day) or ${iso(b, a)} (day/month); write the date as ISO (YYYY-MM-DD) or with the month's name`);
    }
    return `${a > 12 ? iso(b, a) : iso(a, b)}${numeric[4]}`;
  }
  return text;
}

/**
 * A date or date-time in words as ISO text in the person's zone, or a refusal naming the field:
 * for words it cannot read (with examples), a numeric date whose day and month could swap, and a
 * clock time without am/pm that could be either (3 or 3:30, not 09:30, 15:00 or noon).
 */
export function readDateWords(said: string, zone: string, now: Temporal.Instant, field: string): string {
  const text = said.trim().toLowerCase().replace(/\s+/g, ' ');
  const local = now.toZonedDateTimeISO(zone);
  const today = local.toPlainDate();
  const phrase = ourDays(text, today, field);
  // chrono reads in a fixed offset; the wall clock of the zone as if it were UTC gives it the
  // person's today and hour, and the result's fields are then that zone's wall-clock fields.
  const reference = { instant: new Date(local.toPlainDateTime().toZonedDateTime('UTC').epochMilliseconds), timezone: 0 };
  const found = chrono.parse(phrase, reference, { forwardDate: true })[0];
  const whole = found && found.index === 0 && found.text.length === phrase.replace(/[.!]+$/, '').length;
  if (!found || !whole) return refuse(field, said, `is neither an ISO 8601 date nor a date in words we read; try e.g. ${DATE_WORD_EXAMPLES}`);
  const start = found.start;
  const date = Temporal.PlainDate.from({ year: start.get('year')!, month: start.get('month')!, day: start.get('day')! });
  const daypart = Object.keys(DAYPART_HOURS).find((word) => new RegExp(`\\b${word}\\b`).test(phrase));
  if (!start.isCertain('hour')) return daypart ? `${date.toString()}T${String(DAYPART_HOURS[daypart]).padStart(2, '0')}:00` : date.toString();
  const hour = start.get('hour')!;
  const clock = `${String(hour).padStart(2, '0')}:${String(start.get('minute') ?? 0).padStart(2, '0')}`;
  const spelledOut = /\b(noon|midday|midnight)\b/.test(phrase) || /\b0\d(:\d\d)?\b/.test(found.text) || /\b(1[3-9]|2[0-3])(:\d\d)?\b/.test(found.text);
  if (!start.isCertain('meridiem') && !spelledOut && !daypart && hour >= 1 && hour <= 12) {
    const other = `${String((hour % 12) + (hour < 12 ? 12 : 0)).padStart(2, '0')}:${clock.slice(3)}`;
    refuse(
      field,
      said,
      `has a time without am or pm: ${date.toString()}T${clock} or ${date.toString()}T${other}? Add am or pm, or write the time as 24-hour HH:MM`,
    );
  }
  return `${date.toString()}T${clock}`;
}
