/**
 * The rows the host hands to a destination. All values are plain strings (or null) in a fixed
 * text form, so a plugin only has to put them into its warehouse's native types.
 */

/**
 * One row of the warehouse `events` table as sent by the host, without
 * `updated_time`, which the warehouse sets with its own clock when a merge writes the row.
 */
export interface EventRow {
  /**
   * Unique id of the row and the merge key. Non-empty. Time-ordered (26 characters, like a
   * ULID) and increasing in processing order, so the rows of a new window almost all sort after
   * every stored id: a plugin may use that to choose a cheaper path (the postgres destination
   * inserts those without probing its key), never to decide the result.
   */
  event_id: string;
  /**
   * When the event happened by the device's clock, normalised to UTC: ISO-8601 with exactly six
   * fraction digits and a `Z`, e.g. `2026-11-26T10:00:00.123456Z`.
   */
  event_time: string;
  /**
   * When Tributary processed (or re-processed) the row, same format as `event_time`. Of two rows
   * with the same `event_id`, the one with the later `processed_time` wins.
   */
  processed_time: string;
  /** Device id, a signed 64-bit integer as a decimal string (e.g. `"-4611686018427387904"`). */
  device_id: string;
  /** Session id, signed 64-bit integer as a decimal string; null for server events without one. */
  session_id: string | null;
  /** View (page load / screen) id, signed 64-bit integer as a decimal string, or null. */
  view_id: string | null;
  /** `navigate`, `click`, `custom`, …; null on tombstones. */
  event_type: string | null;
  /** Type-specific properties as JSON object text; null on tombstones. */
  event_properties: string | null;
  /** `web`, `mobile_app` or `server`. */
  source_type: string;
  /** Where the event came from, as JSON object text; null on tombstones. */
  source_properties: string | null;
}

/** The columns of {@link EventRow} in warehouse order (`updated_time` excluded). */
export const EVENT_ROW_COLUMNS = [
  'event_id',
  'event_time',
  'processed_time',
  'device_id',
  'session_id',
  'view_id',
  'event_type',
  'event_properties',
  'source_type',
  'source_properties',
] as const satisfies readonly (keyof EventRow)[];

/** A column of `raw_events`: the columns of {@link EventRow}. */
export type StagingColumn = (typeof EVENT_ROW_COLUMNS)[number];

/**
 * A column of `events`: those of {@link EventRow} and `updated_time`. Type a plugin's column map
 * with it (`satisfies Record<EventColumn, string>`) so that a column it leaves out fails to compile.
 */
export type EventColumn = StagingColumn | 'updated_time';

/** An `events` row as read back from a warehouse, with the `updated_time` the merge set. */
export interface StoredEventRow extends EventRow {
  /** Set by the warehouse clock when a merge wrote the row; same text format as `event_time`. */
  updated_time: string;
}

/**
 * One row of `event_definitions`, `page_definitions` or `element_definitions`, without `updated_time`, which the warehouse sets when the table is rewritten.
 */
export interface DefinitionRow {
  /** The definition's id, joined from ids stored in the events' JSON. */
  id: string;
  /** Current display name. */
  name: string;
  /** Current description; may be empty. */
  description: string;
  /** `active` or `archived`. */
  state: 'active' | 'archived';
  /** Increases on every edit of the definition; a non-negative integer. */
  version: number;
  /** The definition's rule as JSON text, so analysts can see what it matches. */
  rule: string;
  /** When the definition was created; ISO-8601 UTC like {@link EventRow.event_time}. */
  created_time: string;
  /** Who created it (user or API key name). */
  created_by: string;
  /** When it was last modified; ISO-8601 UTC. */
  modified_time: string;
  /** Who last modified it. */
  modified_by: string;
}

/** The columns of {@link DefinitionRow} in warehouse order (`updated_time` excluded). */
export const DEFINITION_ROW_COLUMNS = [
  'id',
  'name',
  'description',
  'state',
  'version',
  'rule',
  'created_time',
  'created_by',
  'modified_time',
  'modified_by',
] as const satisfies readonly (keyof DefinitionRow)[];

/** A column of the definition lookup tables: those of {@link DefinitionRow} and `updated_time`. */
export type DefinitionColumn = (typeof DEFINITION_ROW_COLUMNS)[number] | 'updated_time';

/** The names of the three definition lookup tables. */
export const DEFINITION_TABLES = ['event_definitions', 'page_definitions', 'element_definitions'] as const;

/** One of {@link DEFINITION_TABLES}. */
export type DefinitionTable = (typeof DEFINITION_TABLES)[number];

/** The full content of the three lookup tables, as passed to `replaceDefinitions`. */
export type DefinitionTables = Record<DefinitionTable, DefinitionRow[]>;
