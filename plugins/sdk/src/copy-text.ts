import { EVENT_ROW_COLUMNS, type EventRow } from './rows.ts';

/**
 * Rows in Postgres `COPY … FROM STDIN` text format: whole rows only, each ended by a newline,
 * columns tab-separated in {@link EVENT_ROW_COLUMNS} order, `\N` for NULL, backslash escapes.
 * Values are in Postgres text input forms: timestamps with an explicit UTC offset (either the
 * {@link EventRow} form `2026-11-26T10:00:00.123456Z` or Postgres' own `2026-11-26 10:00:00.123456+00`),
 * integers in decimal, JSON as text.
 */
export interface CopyTextChunk {
  /** The encoded rows (UTF-8). */
  text: Buffer;
  /** How many rows `text` holds. */
  rows: number;
}

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY text format: `\N` for NULL; backslash, newline, CR and tab escaped. */
export function copyTextValue(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch] ?? ch) : value;
}

/** Encodes rows as one {@link CopyTextChunk}. */
export function encodeCopyText(rows: readonly EventRow[]): CopyTextChunk {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < EVENT_ROW_COLUMNS.length; i++) {
      out += (i === 0 ? '' : '\t') + copyTextValue(row[EVENT_ROW_COLUMNS[i]!]);
    }
    out += '\n';
  }
  return { text: Buffer.from(out, 'utf8'), rows: rows.length };
}
