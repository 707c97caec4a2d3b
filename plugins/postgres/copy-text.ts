import type { EventRow } from '../sdk/index.ts';

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function field(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch] ?? ch) : value;
}

/**
 * Encodes rows in Postgres' COPY text format (tab-separated, `\N` for NULL, backslash escapes),
 * columns in the SDK's `EVENT_ROW_COLUMNS` order.
 */
export function encodeCopyBatch(rows: readonly EventRow[]): string {
  let out = '';
  for (const row of rows) {
    out +=
      field(row.event_id) + '\t' +
      field(row.event_time) + '\t' +
      field(row.processed_time) + '\t' +
      field(row.device_id) + '\t' +
      field(row.session_id) + '\t' +
      field(row.view_id) + '\t' +
      field(row.event_type) + '\t' +
      field(row.event_properties) + '\t' +
      field(row.source_type) + '\t' +
      field(row.source_properties) + '\n';
  }
  return out;
}
