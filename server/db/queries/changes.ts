import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';

/**
 * The change cursor of the event store (read side of the sync).
 *
 * Every row carries `change_xid`, the id of the transaction that last wrote it. A sync takes the
 * horizon = xmin of a fresh snapshot: every transaction below it has finished, every transaction
 * still running is at or above it. Reading `cursor <= change_xid < horizon` therefore never skips
 * a row that commits later (its xid is >= horizon, so the next window has it), and never reads a
 * row twice (windows do not overlap). A row rewritten later (a tombstone) gets a new xid and
 * travels again, which is what the warehouse merge wants.
 */
export async function changeHorizon(db: Database): Promise<string> {
  const [row] = await db.rows<{ horizon: string }>(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`);
  return row!.horizon;
}

export interface ChangedRow {
  event_id: string;
  event_time: string;
  processed_time: string;
  device_id: string;
  session_id: string | null;
  view_id: string | null;
  event_type: string | null;
  event_properties: string | null;
  source_type: string;
  source_properties: string | null;
  change_xid: string;
}

export interface ChangeWindow {
  orgId: string;
  fromXid: string;
  toXid: string;
  /** Destination filters on the captured type (which tombstones keep). */
  includeTypes?: string[] | null;
  excludeTypes?: string[] | null;
}

/**
 * `2026-11-26 10:00:00.1234` (Postgres text of a UTC timestamp, trailing zeros trimmed) as
 * `2026-11-26T10:00:00.123400Z`. Formatting in JS: to_char costs the database several times more.
 */
function utcTextToIso(text: string): string {
  const dot = text.indexOf('.');
  const seconds = dot === -1 ? text : text.slice(0, dot);
  const fraction = dot === -1 ? '' : text.slice(dot + 1);
  return `${seconds.replace(' ', 'T')}.${fraction.padEnd(6, '0')}Z`;
}

/**
 * One page of rows changed in `[fromXid, toXid)`, in (change_xid, event_id) order, after the
 * given position. JSON comes back as text so it streams to plugins without a parse/serialise.
 */
export async function readChangedRows(
  db: Database,
  window: ChangeWindow & { after?: { xid: string; eventId: string }; limit: number },
): Promise<ChangedRow[]> {
  const after = window.after
    ? sql`and (change_xid, event_id) > (${window.after.xid}::xid8, ${window.after.eventId})`
    : sql``;
  const include = window.includeTypes?.length
    ? sql`and captured_type in (select value from json_array_elements_text(${JSON.stringify(window.includeTypes)}::json))`
    : sql``;
  const exclude = window.excludeTypes?.length
    ? sql`and captured_type not in (select value from json_array_elements_text(${JSON.stringify(window.excludeTypes)}::json))`
    : sql``;
  const rows = await db.rows<ChangedRow>(sql`
    select event_id,
      (event_time at time zone 'UTC')::text as event_time,
      (processed_time at time zone 'UTC')::text as processed_time,
      device_id::text, session_id::text, view_id::text, event_type,
      event_properties::text as event_properties, source_type, source_properties::text as source_properties,
      change_xid::text
    from events
    where org_id = ${window.orgId} and change_xid >= ${window.fromXid}::xid8 and change_xid < ${window.toXid}::xid8
      ${after} ${include} ${exclude}
    -- qualified: the select list's change_xid is text, and ORDER BY would sort by that alias
    order by events.change_xid, events.event_id
    limit ${window.limit}`);
  for (const row of rows) {
    row.event_time = utcTextToIso(row.event_time);
    row.processed_time = utcTextToIso(row.processed_time);
  }
  return rows;
}
