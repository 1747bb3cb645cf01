import { InvalidInputError } from '../../errors.js';

/**
 * Repetition said in words, turned into an RFC 5545 rule by a small grammar of our own (no library
 * reads these reliably both ways). What it accepts, and nothing else, is listed in docs/dates.md
 * and in the refusal of anything it cannot read:
 *
 *   daily | weekly | monthly | yearly (also annually)
 *   every day | week | month | year | weekday | weekend
 *   every N days | weeks | months | years;  every other day | week | month | year
 *   every <weekdays>                 every monday;  every tue and thu;  every mon, wed, fri
 *   ... on <weekdays>                every 2 weeks on tue and thu;  weekly on friday
 *   ... on the <days of the month>   every month on the 1st;  monthly on the 1st and 15th;  on the last day
 *   ... on the <nth> <weekday>       every month on the first monday;  monthly on the last friday
 *   then, optionally: until <ISO date>, or for N times (also: N times)
 */

const RULE_WORD_EXAMPLES =
  '"daily", "every weekday", "every monday", "every 2 weeks on tue and thu", "every month on the 1st", "monthly on the last friday", "every year", "daily until 2027-03-01", "weekly for 10 times"';

const DAY_CODES: Record<string, string> = { mon: 'MO', tue: 'TU', wed: 'WE', thu: 'TH', fri: 'FR', sat: 'SA', sun: 'SU' };
const ORDINALS: Record<string, number> = { first: 1, '1st': 1, second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, last: -1 };
const UNITS: Record<string, string> = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' };
const ADVERBS: Record<string, string> = { daily: 'DAILY', weekly: 'WEEKLY', monthly: 'MONTHLY', yearly: 'YEARLY', annually: 'YEARLY' };

/** A weekday word (mon, tues, thursday...) as its RFC 5545 code, or undefined. */
function dayCode(word: string): string | undefined {
  const m = /^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|sday|nesday|rsday|urday)?s?$/.exec(word);
  return m ? DAY_CODES[m[1]!.slice(0, 3)] : undefined;
}

/** "tue and thu", "mon, wed, fri" as a list of words. */
const listOf = (text: string) =>
  text
    .split(/\s*(?:,|\band\b)\s*/)
    .map((w) => w.trim())
    .filter(Boolean);

/** "1st and 15th", "last day" as BYMONTHDAY values. */
function monthDays(text: string): string | undefined {
  const days = listOf(text.replace(/\bday\b/g, '').trim()).map((w) => (w === 'last' ? -1 : /^(\d{1,2})(st|nd|rd|th)?$/.exec(w)?.[1]));
  if (days.some((d) => d === undefined || Number(d) === 0 || Number(d) > 31)) return undefined;
  return days.map(String).join(',');
}

/** What follows "on": weekdays (BYDAY), days of the month (BYMONTHDAY) or an nth weekday. */
function onPart(text: string, freq: string): string | undefined {
  const words = text.replace(/^the\s+/, '');
  const nth = /^(first|1st|second|2nd|third|3rd|fourth|4th|last)\s+([a-z]+)$/.exec(words);
  if (nth && freq === 'MONTHLY' && dayCode(nth[2]!)) return `BYDAY=${ORDINALS[nth[1]!]}${dayCode(nth[2]!)}`;
  const codes = listOf(words).map(dayCode);
  if (codes.length && codes.every(Boolean) && freq === 'WEEKLY') return `BYDAY=${codes.join(',')}`;
  const days = freq === 'MONTHLY' ? monthDays(words) : undefined;
  return days ? `BYMONTHDAY=${days}` : undefined;
}

/** The rule the words say, without its end; undefined when they are not of the grammar. */
function ruleOf(text: string): string | undefined {
  if (ADVERBS[text]) return `FREQ=${ADVERBS[text]}`;
  const adverbOn = /^(daily|weekly|monthly|yearly|annually) on (.+)$/.exec(text);
  if (adverbOn) {
    const freq = ADVERBS[adverbOn[1]!]!;
    const on = onPart(adverbOn[2]!, freq);
    return on && `FREQ=${freq};${on}`;
  }
  const every = /^every (?:(other|\d{1,3}) )?([a-z]+?)s?(?: on (.+))?$/.exec(text);
  if (!every) {
    const days = /^every (.+)$/.exec(text);
    const codes = days ? listOf(days[1]!).map(dayCode) : [];
    return codes.length && codes.every(Boolean) ? `FREQ=WEEKLY;BYDAY=${codes.join(',')}` : undefined;
  }
  const [, count, unit, on] = every;
  const interval = count === 'other' ? 2 : count ? Number(count) : 1;
  if (interval < 1) return undefined;
  const every1 = interval > 1 ? `;INTERVAL=${interval}` : '';
  if (!on && interval === 1 && unit === 'weekday') return 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR';
  if (!on && interval === 1 && unit === 'weekend') return 'FREQ=WEEKLY;BYDAY=SA,SU';
  const freq = UNITS[unit!];
  if (!freq) {
    // "every monday", "every 2 mondays" is not a thing people say; "every monday and thursday" is.
    const code = dayCode(unit!);
    return code && !on && interval === 1 ? `FREQ=WEEKLY;BYDAY=${code}` : code && !on ? `FREQ=WEEKLY${every1};BYDAY=${code}` : undefined;
  }
  if (!on) return `FREQ=${freq}${every1}`;
  const part = onPart(on, freq);
  return part && `FREQ=${freq}${every1};${part}`;
}

/**
 * The RRULE said by `text`, or undefined when the text is not words at all (an RRULE such as
 * FREQ=WEEKLY, which checkRule reads). Words outside the grammar are refused with its examples.
 */
export function readRuleWords(said: string, field: string): string | undefined {
  if (/=/.test(said)) return undefined;
  const text = said
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!]+$/, '');
  const end = /^(.+?)(?: until (\d{4})-(\d{2})-(\d{2})| (?:for )?(\d{1,5}) times)$/.exec(text);
  const rule = ruleOf(end ? end[1]! : text);
  if (!rule) throw new InvalidInputError(field, `${JSON.stringify(said)} is neither an RFC 5545 rule nor a repetition we read; say e.g. ${RULE_WORD_EXAMPLES}`);
  if (!end) return rule;
  return end[5] ? `${rule};COUNT=${end[5]}` : `${rule};UNTIL=${end[2]}${end[3]}${end[4]}`;
}
