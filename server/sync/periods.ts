import type { DestinationPeriod } from '../db/queries/destinations.ts';

/**
 * Periods as a `tstzmultirange` literal, `{["…","…"),["…",)}`: capture times from a start on and
 * before an end are inside; an open period has no end.
 */
export function periodsLiteral(periods: Pick<DestinationPeriod, 'startTime' | 'endTime'>[]): string {
  return `{${periods.map((p) => `["${p.startTime.toISOString()}",${p.endTime ? `"${p.endTime.toISOString()}"` : ''})`).join(',')}}`;
}

const admits = (p: DestinationPeriod, type: string) =>
  (!p.eventTypesInclude?.length || p.eventTypesInclude.includes(type)) && !p.eventTypesExclude?.includes(type);

/**
 * What a destination gets of a window (DESIGN.md §2.4), by capture time: for each event type, the
 * periods whose filters admit it (its live rows); under `*`, every period (tombstones: the
 * warehouse applies one only to a row it holds). Types no period admits are left out.
 */
export function windowRanges(periods: DestinationPeriod[], eventTypes: Iterable<string>): Record<string, string> {
  const ranges: Record<string, string> = {};
  if (periods.length === 0) return ranges;
  ranges['*'] = periodsLiteral(periods);
  for (const type of eventTypes) {
    const admitting = periods.filter((p) => admits(p, type));
    if (admitting.length > 0) ranges[type] = periodsLiteral(admitting);
  }
  return ranges;
}
