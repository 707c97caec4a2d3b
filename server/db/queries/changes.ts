import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { EVENT_ROW_COLUMNS, type EventRow } from '@tributary/destination-sdk';
import type { Database } from '../client.ts';
import { utcText, withIsoTimes } from './utc-time.ts';

/**
 * The change cursor of the event store (read side of the sync).
 *
 * Every row carries `change_xid`, the id of the transaction that last wrote it. A sync takes a
 * snapshot (`pg_current_snapshot()`: which transactions have committed at that instant) and
 * reads the rows whose transaction is visible in it and was not visible in the snapshot the
 * previous window ended at. Each committed transaction is visible from some snapshot on, so each
 * row version belongs to exactly one window: nothing committed concurrently is skipped (its
 * transaction is not yet visible, so a later window has it), nothing is read twice, and a window
 * never waits for transactions still running elsewhere on the server. A row rewritten later (a
 * tombstone) gets a new xid and travels again, which is what the warehouse merge wants.
 *
 * Which rows of a window a destination gets (docs/warehouse-schema.md, "What each destination holds") depends only on the event's capture
 * time and type, which re-processing keeps: a live row when the event was captured inside one of
 * the destination's periods (active, or what a backfill has claimed: destination_periods) and
 * passed the filters of that period; a tombstone when the event was captured inside any of them. The warehouse applies a tombstone only to a row
 * it holds (the plugin contract), so a tombstone of a row it never received changes nothing.
 */
export async function changeSnapshot(db: Database): Promise<string> {
  const [row] = await db.rows<{ snapshot: string }>(sql`select pg_current_snapshot()::text as snapshot`);
  return row!.snapshot;
}

/** A warehouse row of the window, with its position in the change order. */
export interface ChangedRow extends EventRow {
  change_xid: string;
}

export interface ChangeWindow {
  orgId: string;
  /** The snapshot the window starts at: rows of transactions it sees were sent before. */
  from: string;
  /** The snapshot the window ends at: rows of transactions it does not see are for later. */
  to: string;
  /**
   * Which rows go, by capture time: for each event type, the capture times (a `tstzmultirange`
   * literal) whose live rows the destination gets; under `*`, those whose tombstones it gets.
   * Types absent get nothing. Built by `windowRanges` (server/sync/periods.ts).
   */
  ranges: Record<string, string>;
}

/**
 * The window's rows: the FROM list and conditions on `events` (shared by the paged read, the
 * existence check and the COPY). The ranges are a hash join on the row's type (`*` for a
 * tombstone), so each row costs one lookup and one range test, whatever the periods.
 */
function windowRows(w: { org: SQL; from: SQL; to: SQL; ranges: SQL }): SQL {
  return sql`events
    join (select key, value::tstzmultirange from json_each_text(${w.ranges})) as window_ranges (key, captured)
      on window_ranges.key = coalesce(events.event_type, '*')
    where ${inWindow(w)}
      and captured_time <@ window_ranges.captured`;
}

/** The window's transactions: every xid below the start's xmin is visible in it, every xid from the end's xmax is not in the end. */
function inWindow(w: { org: SQL; from: SQL; to: SQL }): SQL {
  return sql`org_id = ${w.org}
      and change_xid >= pg_snapshot_xmin(${w.from}) and change_xid < pg_snapshot_xmax(${w.to})
      and pg_visible_in_snapshot(change_xid, ${w.to}) and not pg_visible_in_snapshot(change_xid, ${w.from})`;
}

function boundWindow(window: ChangeWindow): SQL {
  return windowRows({
    org: sql`${window.orgId}::uuid`,
    from: sql`${window.from}::pg_snapshot`,
    to: sql`${window.to}::pg_snapshot`,
    ranges: sql`${JSON.stringify(window.ranges)}::json`,
  });
}

/** Whether the window holds any row (an empty one costs the warehouse nothing). */
export async function windowHasChanges(db: Database, window: ChangeWindow): Promise<boolean> {
  const [row] = await db.rows<{ found: boolean }>(sql`select exists (select 1 from ${boundWindow(window)}) as found`);
  return row?.found ?? false;
}

/**
 * An input of a constant COPY statement: the transaction setting `tributary.<name>`, cast. A
 * scalar subquery is evaluated once per statement (an InitPlan), not once per row as a bare
 * current_setting() and its cast would be: a quarter of the COPY's time on a large window.
 */
const setting = (name: string, type: string) => sql.raw(`(select nullif(current_setting('tributary.${name}'), '')::${type})`);

/** `COPY (…) TO STDOUT` of `rows` as warehouse rows, in the SDK's column order (plugins read COPY text by position). */
function copyOfRows(rows: SQL): string {
  const query = new PgDialect().sqlToQuery(sql`select ${sql.raw(EVENT_ROW_COLUMNS.join(', '))} from ${rows}`);
  // COPY takes no bind parameters: its inputs are settings
  if (query.params.length > 0) throw new Error('a COPY statement must not take parameters');
  return `copy (${query.sql}) to stdout`;
}

/** The settings of every COPY of rows, besides its inputs. */
const COPY_SETTINGS = {
  TimeZone: 'UTC',
  // One backend reads: the sync's bottleneck is the warehouse, which needs the other cores.
  max_parallel_workers_per_gather: '0',
  // a plain scan: compiling it costs more than it saves
  jit: 'off',
};

/**
 * The window's rows as the columns of a warehouse row, for `COPY … TO STDOUT` (text format, UTC
 * timestamps with their offset, JSON as text). COPY takes no parameters: the statement is
 * constant and reads the window from transaction settings (`copyChangedRows` sets them). In no
 * particular order: a window holds each event_id once, and sorting a large window would spill
 * to disk.
 */
const COPY_WINDOW = copyOfRows(
  windowRows({
    org: setting('window_org', 'uuid'),
    from: setting('window_from', 'pg_snapshot'),
    to: setting('window_to', 'pg_snapshot'),
    ranges: setting('window_ranges', 'json'),
  }),
);

/**
 * Streams the window's rows in Postgres COPY text format, columns in warehouse order
 * (external Postgres only: `db.copyOut`). Memory stays bounded: the stream has backpressure.
 */
export function copyChangedRows(db: Database, window: ChangeWindow): AsyncIterable<Buffer> {
  if (!db.copyOut) throw new Error('copyChangedRows needs an external Postgres (db.copyOut)');
  return db.copyOut(COPY_WINDOW, {
    ...COPY_SETTINGS,
    'tributary.window_org': window.orgId,
    'tributary.window_from': window.from,
    'tributary.window_to': window.to,
    'tributary.window_ranges': JSON.stringify(window.ranges),
  });
}

const EVENT_TIMES = ['event_time', 'processed_time'] as const;

/** The columns of an `EventRow`, times as UTC text (`withIsoTimes` finishes them), JSON as text. */
const EVENT_ROW_SELECT = sql`event_id,
  ${utcText('event_time')} as event_time,
  ${utcText('processed_time')} as processed_time,
  device_id::text, session_id::text, view_id::text, event_type,
  event_properties::text as event_properties, source_type, source_properties::text as source_properties`;

/**
 * One page of the rows changed in the window, in (change_xid, event_id) order, after the
 * given position. JSON comes back as text so it streams to plugins without a parse/serialise.
 */
export async function readChangedRows(
  db: Database,
  window: ChangeWindow & { after?: { xid: string; eventId: string }; limit: number },
): Promise<ChangedRow[]> {
  const after = window.after ? sql`and (change_xid, event_id) > (${window.after.xid}::xid8, ${window.after.eventId})` : sql``;
  // Not the join of the COPY: a page must walk events_change_idx in order and stop at the limit.
  // A window's xids are always newer than the statistics, so the planner expects almost no rows
  // and, given a join, hashed the whole rest of the window and sorted it for every page (~3 s a
  // page of 5,000 rows in a window of 1M, quadratic in the window). Here the ranges are one
  // jsonb value (an InitPlan, parsed once) and each row looks its type up in it.
  const rows = await db.rows<ChangedRow>(sql`
    select ${EVENT_ROW_SELECT}, change_xid::text
    from events
    where ${inWindow({ org: sql`${window.orgId}::uuid`, from: sql`${window.from}::pg_snapshot`, to: sql`${window.to}::pg_snapshot` })}
      and coalesce(captured_time <@ ((select ${JSON.stringify(window.ranges)}::jsonb) ->> coalesce(event_type, '*'))::tstzmultirange, false)
      ${after}
    -- qualified: the select list's change_xid is text, and ORDER BY would sort by that alias
    order by events.change_xid, events.event_id
    limit ${window.limit}`);
  return withIsoTimes(rows, EVENT_TIMES);
}

// ---- backfill reads ----------------------------------------------------------------------------

/**
 * What a backfill sends of the store (docs/warehouse-schema.md, "The one exception: a backfill"): the live rows of
 * an organization captured in [`from`, `until`), of the event types its filters admit, each in
 * the version current when it is read. The sync reads a chunk only after its window's end
 * snapshot (server/sync/backfill.ts): any change committed after the read is in a later window,
 * which reaches the warehouse after the chunk, so an old version never lands after its tombstone.
 * Read through `events_captured_live_idx` (org_id, captured_time), or its partitions.
 */
export interface BackfillRange {
  orgId: string;
  from: Date;
  until: Date;
  /** The event types the backfill admits; null: every type. */
  types: string[] | null;
}

function backfillRows(r: { org: SQL; from: SQL; until: SQL; types: SQL }): SQL {
  return sql`events
    where org_id = ${r.org} and event_type is not null
      and captured_time >= ${r.from} and captured_time < ${r.until}
      -- cast: a bare scalar subquery inside any() would be read as any(subquery)
      and (${r.types} is null or event_type = any(${r.types}::text[]))`;
}

function boundBackfill(range: BackfillRange): SQL {
  return backfillRows({
    org: sql`${range.orgId}::uuid`,
    from: sql`${range.from.toISOString()}::timestamptz`,
    until: sql`${range.until.toISOString()}::timestamptz`,
    types: range.types ? sql`${`{${range.types.join(',')}}`}::text[]` : sql`null::text[]`,
  });
}

/** How many rows the range holds (a backfill's "rows to send"). */
export async function countBackfillRows(db: Database, range: BackfillRange): Promise<number> {
  const [row] = await db.rows<{ n: string }>(sql`select count(*)::text as n from ${boundBackfill(range)}`);
  return Number(row!.n);
}

/**
 * Where a chunk of about `rows` rows from `range.from` ends: just after the capture millisecond
 * of its last row, so a chunk never splits the rows of one capture instant (a cancelled
 * backfill's period then ends on a boundary every row before which was sent); `range.until` when
 * fewer rows are left.
 */
export async function backfillChunkEnd(db: Database, range: BackfillRange, rows: number): Promise<Date> {
  const [row] = await db.rows<{ end_ms: string }>(sql`
    select (extract(epoch from date_trunc('milliseconds', captured_time)) * 1000)::int8::text as end_ms
    from ${boundBackfill(range)}
    order by captured_time offset ${rows - 1} limit 1`);
  if (!row) return range.until;
  const end = new Date(Number(row.end_ms) + 1);
  return end < range.until ? end : range.until;
}

/** A row of a backfill chunk, with its position in the (captured_time, event_id) order. */
export interface BackfillRow extends EventRow {
  captured_time: string;
}

/** One page of the range's rows in (captured_time, event_id) order, after the given position. */
export async function readBackfillRows(
  db: Database,
  range: BackfillRange & { after?: { capturedTime: string; eventId: string }; limit: number },
): Promise<BackfillRow[]> {
  const after = range.after
    ? sql`and (captured_time, event_id) > (${range.after.capturedTime}::timestamptz, ${range.after.eventId})`
    : sql``;
  const rows = await db.rows<BackfillRow>(sql`
    select ${EVENT_ROW_SELECT}, events.captured_time::text as captured_time
    from ${boundBackfill(range)} ${after}
    order by events.captured_time, events.event_id
    limit ${range.limit}`);
  return withIsoTimes(rows, EVENT_TIMES);
}

/** The COPY of a backfill range (as `COPY_WINDOW`: constant, inputs from transaction settings). */
const COPY_BACKFILL = copyOfRows(
  backfillRows({
    org: setting('backfill_org', 'uuid'),
    from: setting('backfill_from', 'timestamptz'),
    until: setting('backfill_until', 'timestamptz'),
    types: setting('backfill_types', 'text[]'),
  }),
);

/** Streams the range's rows in COPY text format, columns in warehouse order (external Postgres only). */
export function copyBackfillRows(db: Database, range: BackfillRange): AsyncIterable<Buffer> {
  if (!db.copyOut) throw new Error('copyBackfillRows needs an external Postgres (db.copyOut)');
  return db.copyOut(COPY_BACKFILL, {
    ...COPY_SETTINGS,
    'tributary.backfill_org': range.orgId,
    'tributary.backfill_from': range.from.toISOString(),
    'tributary.backfill_until': range.until.toISOString(),
    'tributary.backfill_types': range.types ? `{${range.types.join(',')}}` : '',
  });
}
