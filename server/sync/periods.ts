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

/** The event types a period's filters admit, or null when they admit every type. */
export function admittedTypes(period: DestinationPeriod, eventTypes: Iterable<string>): string[] | null {
  if (!period.eventTypesInclude?.length && !period.eventTypesExclude?.length) return null;
  return [...eventTypes].filter((type) => admits(period, type));
}

/**
 * What a destination gets of a window (docs/warehouse-schema.md, "What each destination holds"), by capture time: for each event type, the
 * periods whose filters admit it (its live rows); under `*`, every period (tombstones: the
 * warehouse applies one only to a row it holds). Types no period admits are left out. Active and
 * backfill periods count alike: once a backfill has claimed capture times, the rows captured then
 * travel like those of an active period (their new versions and tombstones).
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
