import { createRequire } from 'node:module';
import type ICAL from 'ical.js';
import { Temporal } from '../common/time.js';

/**
 * What a TZID in an iCalendar file means, as an IANA zone (ADR 0013): an IANA name as it is; a
 * Windows name (Outlook, Exchange: `W. Europe Standard Time`) by CLDR's windowsZones table; else
 * the file's own VTIMEZONE, matched to the IANA zone whose offsets agree with it all year round.
 * Never the server's zone.
 */

interface WindowsZones {
  supplemental: { windowsZones: { mapTimezones: { mapZone: { _other: string; _type: string; _territory: string } }[] } };
}

let windows: Map<string, string> | undefined;

// cldr-core is read with require (knip.json names it: it cannot see that).
/** Windows zone name (lower case) to IANA name: CLDR's "001" (the zone's main territory) entries. */
function windowsNames(): Map<string, string> {
  if (!windows) {
    const data = createRequire(import.meta.url)('cldr-core/supplemental/windowsZones.json') as WindowsZones;
    windows = new Map(
      data.supplemental.windowsZones.mapTimezones
        .filter(({ mapZone }) => mapZone._territory === '001')
        .map(({ mapZone }) => [mapZone._other.toLowerCase(), mapZone._type]),
    );
  }
  return windows;
}

function iana(name: string): string | undefined {
  try {
    return Temporal.Now.zonedDateTimeISO(name).timeZoneId;
  } catch {
    return undefined;
  }
}

let candidates: string[] | undefined;

/**
 * The IANA zone whose UTC offset equals the VTIMEZONE's in every month of `year` (and of the next),
 * preferring the zone the Windows table would name for the same rules. Undefined when none does.
 */
function matchOffsets(zone: ICAL.Timezone, year: number, ICALTime: typeof ICAL.Time): string | undefined {
  const samples: number[] = [];
  for (const y of [year, year + 1]) for (let month = 1; month <= 12; month++) samples.push(Date.UTC(y, month - 1, 15, 12));
  const offsetOf = (ms: number) => zone.utcOffset(ICALTime.fromJSDate(new Date(ms), true));
  const wanted = samples.map(offsetOf);
  candidates ??= Intl.supportedValuesOf('timeZone');
  return candidates.find((name) =>
    samples.every((ms, i) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(name).offsetNanoseconds / 1e9 === wanted[i]),
  );
}

/** Resolves the TZIDs of one file, each once. */
export class ZoneResolver {
  private readonly resolved = new Map<string, string | undefined>();

  constructor(
    private readonly vtimezones: ReadonlyMap<string, ICAL.Timezone>,
    private readonly ICALTime: typeof ICAL.Time,
  ) {}

  /** The IANA zone a TZID means, or undefined when nothing says (the caller names the component). */
  zoneOf(tzid: string, year: number): string | undefined {
    const name = tzid.trim().replace(/^"|"$/g, '');
    const key = `${name}|${year}`;
    if (!this.resolved.has(key)) {
      const vtimezone = this.vtimezones.get(name);
      const location = vtimezone?.component?.getFirstPropertyValue('x-lic-location');
      this.resolved.set(
        key,
        iana(name) ??
          (typeof location === 'string' ? iana(location) : undefined) ??
          windowsNames().get(name.toLowerCase()) ??
          (vtimezone ? matchOffsets(vtimezone, year, this.ICALTime) : undefined),
      );
    }
    return this.resolved.get(key);
  }
}
