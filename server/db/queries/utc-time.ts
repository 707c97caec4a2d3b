import { sql, type SQL } from 'drizzle-orm';

/**
 * The one way the store reads a time for its clients: the column as Postgres' text of the UTC
 * timestamp (`utcText`), finished in JS as ISO-8601 UTC with six fraction digits (`utcTextToIso`).
 * Formatting in JS: to_char costs the database several times more.
 */
export const utcText = (column: string): SQL => sql.raw(`(${column} at time zone 'UTC')::text`);

/** `2026-11-26 10:00:00.1234` (Postgres text of a UTC timestamp, trailing zeros trimmed) as `2026-11-26T10:00:00.123400Z`. */
export function utcTextToIso(text: string): string {
  const dot = text.indexOf('.');
  const seconds = dot === -1 ? text : text.slice(0, dot);
  const fraction = dot === -1 ? '' : text.slice(dot + 1);
  return `${seconds.replace(' ', 'T')}.${fraction.padEnd(6, '0')}Z`;
}

/** Finishes the `utcText` columns of rows in place (see `utcText`). */
export function withIsoTimes<T, K extends keyof T>(rows: T[], keys: readonly K[]): T[] {
  for (const row of rows) for (const key of keys) (row[key] as string) = utcTextToIso(row[key] as string);
  return rows;
}
