/**
 * The SQL the Snowflake destination sends, built from a handful of fixed forms so the golden-file
 * tests can pin every statement's exact text.
 *
 * Identifiers are left unquoted on purpose: Snowflake upper-cases them, so the tables are
 * `<SCHEMA>.EVENTS` etc. and analysts query them without quotes. The schema name is validated as
 * a lower-case identifier by the config, so it needs no quoting.
 */
import { DEFINITION_ROW_COLUMNS, DEFINITION_TABLES, EVENT_ROW_COLUMNS } from '../sdk/index.ts';

/** Column types of `events`. Times are TIMESTAMP_NTZ(6) holding UTC, as in the Fullstory layout. */
export const SNOWFLAKE_EVENT_COLUMNS: Record<string, string> = {
  event_id: 'VARCHAR NOT NULL',
  event_time: 'TIMESTAMP_NTZ(6) NOT NULL',
  processed_time: 'TIMESTAMP_NTZ(6) NOT NULL',
  updated_time: 'TIMESTAMP_NTZ(6) NOT NULL',
  device_id: 'NUMBER(19,0) NOT NULL',
  session_id: 'NUMBER(19,0)',
  view_id: 'NUMBER(19,0)',
  event_type: 'VARCHAR',
  event_properties: 'VARIANT',
  source_type: 'VARCHAR NOT NULL',
  source_properties: 'VARIANT',
};

/**
 * Column types of `raw_events`. The JSON columns hold JSON *text* (VARCHAR): a plain
 * `INSERT … VALUES (?, …)` with array binds cannot parse JSON, so the merge does `PARSE_JSON`
 * once. Nothing is NOT NULL so a bad row fails in the merge with a readable message.
 */
export const SNOWFLAKE_STAGING_COLUMNS: Record<string, string> = {
  event_id: 'VARCHAR',
  event_time: 'TIMESTAMP_NTZ(6)',
  processed_time: 'TIMESTAMP_NTZ(6)',
  device_id: 'NUMBER(19,0)',
  session_id: 'NUMBER(19,0)',
  view_id: 'NUMBER(19,0)',
  event_type: 'VARCHAR',
  event_properties: 'VARCHAR',
  source_type: 'VARCHAR',
  source_properties: 'VARCHAR',
};

/** Column types of the three definition tables. */
export const SNOWFLAKE_DEFINITION_COLUMNS: Record<string, string> = {
  id: 'VARCHAR NOT NULL',
  name: 'VARCHAR',
  description: 'VARCHAR',
  state: 'VARCHAR',
  version: 'NUMBER(10,0)',
  rule: 'VARIANT',
  created_time: 'TIMESTAMP_NTZ(6)',
  created_by: 'VARCHAR',
  modified_time: 'TIMESTAMP_NTZ(6)',
  modified_by: 'VARCHAR',
  updated_time: 'TIMESTAMP_NTZ(6)',
};

/** Every table the plugin owns, with its columns. */
export function snowflakeTables(): [string, Record<string, string>][] {
  return [
    ['events', SNOWFLAKE_EVENT_COLUMNS],
    ['raw_events', SNOWFLAKE_STAGING_COLUMNS],
    ...DEFINITION_TABLES.map((name): [string, Record<string, string>] => [name, SNOWFLAKE_DEFINITION_COLUMNS]),
  ];
}

/**
 * Snowflake's default `CLIENT_STAGE_ARRAY_BINDING_THRESHOLD`: above this many binds in one
 * statement (rows × columns), snowflake-sdk uploads the binds to a temporary stage (PUT to cloud
 * storage) instead of sending them inline. The plugin keeps every statement at or under it.
 */
export const SNOWFLAKE_BIND_THRESHOLD = 100_000;

/** Rows per staging INSERT: the most that keeps rows × 10 columns strictly below the threshold. */
export const SNOWFLAKE_ROWS_PER_INSERT = Math.floor((SNOWFLAKE_BIND_THRESHOLD - 1) / EVENT_ROW_COLUMNS.length);

/** Definition rows per INSERT (flat binds, 10 per row); definitions are few. */
export const SNOWFLAKE_DEFINITION_ROWS_PER_INSERT = 1_000;

/** The statements of one Snowflake destination with schema `schema`. */
export function snowflakeSql(schema: string) {
  const t = (name: string) => `${schema}.${name}`;
  const eventColumns = EVENT_ROW_COLUMNS.join(', ');
  const definitionColumns = DEFINITION_ROW_COLUMNS.join(', ');
  const json = new Set(['event_properties', 'source_properties']);
  const sourceColumns = EVENT_ROW_COLUMNS.map((column) => (json.has(column) ? `PARSE_JSON(${column}) AS ${column}` : column)).join(
    ', ',
  );
  const updates = EVENT_ROW_COLUMNS.filter((column) => column !== 'event_id')
    .map((column) => `${column} = src.${column}`)
    .join(', ');
  const values = EVENT_ROW_COLUMNS.map((column) => `src.${column}`).join(', ');
  const definitionSelect = DEFINITION_ROW_COLUMNS.map((column, index) =>
    column === 'rule' ? `PARSE_JSON(column${index + 1})` : `column${index + 1}`,
  ).join(', ');
  const definitionTuple = `(${DEFINITION_ROW_COLUMNS.map(() => '?').join(', ')})`;

  return {
    createSchema: `CREATE SCHEMA IF NOT EXISTS ${schema}`,
    createTable: (name: string, columns: Record<string, string>) =>
      `CREATE TABLE IF NOT EXISTS ${t(name)} (${Object.entries(columns)
        .map(([column, type]) => `${column} ${type}`)
        .join(', ')})`,
    addColumn: (name: string, column: string, type: string) =>
      `ALTER TABLE ${t(name)} ADD COLUMN IF NOT EXISTS ${column} ${type.replace(' NOT NULL', '')}`,
    // Bound with the upper-cased schema name (Snowflake stores unquoted names upper-cased).
    listColumns: `SELECT table_name, column_name FROM information_schema.columns WHERE UPPER(table_schema) = ?`,
    clearStaging: `DELETE FROM ${t('raw_events')}`,
    /** Array-bound: one `?` per column, a value array per `?`. */
    insertStaging: `INSERT INTO ${t('raw_events')} (${eventColumns}) VALUES (${EVENT_ROW_COLUMNS.map(() => '?').join(', ')})`,
    begin: 'BEGIN TRANSACTION',
    commit: 'COMMIT',
    rollback: 'ROLLBACK',
    // The newest processed_time of each event_id in staging (QUALIFY) replaces a stored row only
    // when strictly newer, so re-loading the same rows changes nothing; a tombstone applies only to
    // a row held before or loaded live with it (has_live). SYSDATE() is the UTC wall
    // clock as TIMESTAMP_NTZ (CURRENT_TIMESTAMP would follow the session's TIMEZONE).
    merge:
      `MERGE INTO ${t('events')} AS tgt USING (` +
      `SELECT ${sourceColumns}, MAX(CASE WHEN event_type IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY event_id) AS has_live ` +
      `FROM ${t('raw_events')} ` +
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY processed_time DESC) = 1) AS src ` +
      `ON tgt.event_id = src.event_id ` +
      `WHEN MATCHED AND src.processed_time > tgt.processed_time THEN UPDATE SET ${updates}, updated_time = SYSDATE() ` +
      `WHEN NOT MATCHED AND src.has_live = 1 THEN INSERT (${eventColumns}, updated_time) VALUES (${values}, SYSDATE())`,
    clearDefinitions: (name: string) => `DELETE FROM ${t(name)}`,
    /** Flat binds, `rows` tuples of 10. */
    insertDefinitions: (name: string, rows: number) =>
      `INSERT INTO ${t(name)} (${definitionColumns}, updated_time) SELECT ${definitionSelect}, SYSDATE() FROM VALUES ${Array.from(
        { length: rows },
        () => definitionTuple,
      ).join(', ')}`,
    probeWrite: `INSERT INTO ${t('raw_events')} (event_id, event_time, processed_time, device_id, source_type) SELECT ?, SYSDATE(), SYSDATE(), 0, 'server'`,
    probeRead: `SELECT COUNT(*) AS n FROM ${t('raw_events')} WHERE event_id = ?`,
    probeDelete: `DELETE FROM ${t('raw_events')} WHERE event_id = ?`,
    version: 'SELECT CURRENT_VERSION() AS version, CURRENT_ROLE() AS role, CURRENT_WAREHOUSE() AS warehouse',
  };
}
