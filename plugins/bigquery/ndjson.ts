import { PermanentError } from '@tributary/destination-sdk';
import type { DefinitionRow, DefinitionTable, EventRow } from '@tributary/destination-sdk';

const INT64 = /^-?\d{1,19}$/;

// int64 values are written as bare JSON numbers, digit for digit: BigQuery's JSON loader reads
// them into INT64 exactly (no float64 detour).
function int64(value: string | null, column: string): string {
  if (value === null) return 'null';
  if (!INT64.test(value)) throw new PermanentError(`row has an invalid ${column} ${JSON.stringify(value)} (expected an int64)`);
  return value;
}

const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/** One `raw_events` row as a newline-terminated JSON line for a NEWLINE_DELIMITED_JSON load. */
export function eventLine(row: EventRow): string {
  return (
    `{"event_id":${text(row.event_id)},"event_time":${text(row.event_time)},` +
    `"processed_time":${text(row.processed_time)},"device_id":${int64(row.device_id, 'device_id')},` +
    `"session_id":${int64(row.session_id, 'session_id')},"view_id":${int64(row.view_id, 'view_id')},` +
    `"event_type":${text(row.event_type)},"event_properties":${text(row.event_properties)},` +
    `"source_type":${text(row.source_type)},"source_properties":${text(row.source_properties)}}\n`
  );
}

/** One `raw_definitions` row (tagged with its lookup table) as a JSON line. */
export function definitionLine(table: DefinitionTable, row: DefinitionRow): string {
  if (!Number.isSafeInteger(row.version)) throw new PermanentError(`definition ${row.id} has an invalid version`);
  return (
    `{"table_name":${text(table)},"id":${text(row.id)},"name":${text(row.name)},` +
    `"description":${text(row.description)},"state":${text(row.state)},"version":${row.version},` +
    `"rule":${text(row.rule)},"created_time":${text(row.created_time)},"created_by":${text(row.created_by)},` +
    `"modified_time":${text(row.modified_time)},"modified_by":${text(row.modified_by)}}\n`
  );
}
