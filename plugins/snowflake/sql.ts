/**
 * The SQL the Snowflake destination sends, built from a handful of fixed forms so the golden-file
 * tests can pin every statement's exact text.
 *
 * Identifiers are left unquoted on purpose: Snowflake upper-cases them, so the tables are
 * `<SCHEMA>.EVENTS` etc. and analysts query them without quotes. The schema name is validated as
 * a lower-case identifier by the config, so it needs no quoting.
 */
import { DEFINITION_ROW_COLUMNS, DEFINITION_TABLES, EVENT_ROW_COLUMNS } from '@tributary/destination-sdk';
import type { DefinitionColumn, EventColumn, StagingColumn } from '@tributary/destination-sdk';

/** Column types of `events`. Times are TIMESTAMP_NTZ(6) holding UTC, as in the Fullstory layout. */
export const SNOWFLAKE_EVENT_COLUMNS = {
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
} satisfies Record<EventColumn, string>;

/**
 * Column types of `raw_events`, in the order of the staged files' fields. The JSON columns
 * hold JSON *text* (VARCHAR), parsed once by the merge (`PARSE_JSON`). Nothing is NOT NULL so a
 * bad row fails in the merge with a readable message.
 */
export const SNOWFLAKE_STAGING_COLUMNS = {
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
} satisfies Record<StagingColumn, string>;

/** Column types of the three definition tables. */
export const SNOWFLAKE_DEFINITION_COLUMNS = {
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
} satisfies Record<DefinitionColumn, string>;

/** Every table the plugin owns, with its columns. */
export function snowflakeTables(): [string, Record<string, string>][] {
  return [
    ['events', SNOWFLAKE_EVENT_COLUMNS],
    ['raw_events', SNOWFLAKE_STAGING_COLUMNS],
    ...DEFINITION_TABLES.map((name): [string, Record<string, string>] => [name, SNOWFLAKE_DEFINITION_COLUMNS]),
  ];
}

/**
 * The host's time text (`2026-11-26T10:00:00.123456Z`, see `EventRow.event_time`) as a Snowflake
 * format: the staged files' `TIMESTAMP_FORMAT` and the session's `TIMESTAMP_INPUT_FORMAT`.
 */
export const SNOWFLAKE_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF6"Z"';

/**
 * The session parameters every session sets right after login (`ALTER SESSION`), because an
 * account, user or warehouse default would otherwise change what the statements mean. Why each:
 * - `TIMEZONE`: times are UTC everywhere (docs/warehouse-schema.md); `SYSDATE()` and `TIMESTAMP_NTZ` do not
 *   depend on it, but any `CURRENT_TIMESTAMP()` or LTZ conversion would;
 * - `TIMESTAMP_INPUT_FORMAT`: the time text in statements (lookup-table times, the merge's
 *   `event_time` bounds) is parsed with it; an account default such as `MM/DD/YYYY` would misparse
 *   or refuse it (the staged files name their own format in the COPY);
 * - `QUOTED_IDENTIFIERS_IGNORE_CASE`: the plugin's names are unquoted and it reads results by
 *   their exact column names (COPY's lower-case `rows_loaded`); `TRUE` changes how quoted names
 *   resolve and are reported;
 * - `AUTOCOMMIT`: the only transaction is the explicit `BEGIN … COMMIT` around the merge; with a
 *   default of `FALSE` the COPY and the clean-up would join an implicit transaction instead;
 * - `ERROR_ON_NONDETERMINISTIC_MERGE`: the merge source has one row per `event_id` (QUALIFY); should
 *   that ever break, Snowflake must fail the merge rather than pick a row at random;
 * - `STATEMENT_TIMEOUT_IN_SECONDS`: Snowflake stops a statement the plugin stopped waiting for
 *   (`timeoutSeconds`), and an account default shorter than a large COPY or MERGE does not apply.
 */
export function snowflakeSessionParameters(timeoutSeconds: number): [string, string][] {
  return [
    ['TIMEZONE', `'UTC'`],
    ['TIMESTAMP_INPUT_FORMAT', `'${SNOWFLAKE_TIME_FORMAT}'`],
    ['QUOTED_IDENTIFIERS_IGNORE_CASE', 'FALSE'],
    ['AUTOCOMMIT', 'TRUE'],
    ['ERROR_ON_NONDETERMINISTIC_MERGE', 'TRUE'],
    ['STATEMENT_TIMEOUT_IN_SECONDS', String(timeoutSeconds)],
  ];
}

/**
 * The format of the staged files (staged-files.ts): zstd, one record per line, fields separated
 * by tabs in `raw_events` column order, never enclosed, `\N` for NULL, backslash escapes for
 * backslash, newline, carriage return and tab: Postgres' COPY text, which is also what Snowflake
 * reads by default in an unenclosed field (ESCAPE_UNENCLOSED_FIELD `\\`, NULL_IF `\N`). JSON
 * text needs no escaping in it (it has no raw tabs or newlines), so encoding costs little. An
 * empty field is an empty string. Each option is one the encoder relies on.
 */
export const SNOWFLAKE_FILE_FORMAT =
  `TYPE = CSV COMPRESSION = ZSTD FIELD_DELIMITER = '\\t' RECORD_DELIMITER = '\\n' FIELD_OPTIONALLY_ENCLOSED_BY = NONE ` +
  `ESCAPE_UNENCLOSED_FIELD = '\\\\' NULL_IF = ('\\\\N') EMPTY_FIELD_AS_NULL = FALSE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE ` +
  `TIMESTAMP_FORMAT = '${SNOWFLAKE_TIME_FORMAT}'`;

/** Definition rows per INSERT (flat binds, 10 per row); definitions are few. */
export const SNOWFLAKE_DEFINITION_ROWS_PER_INSERT = 1_000;

/** The statements of one Snowflake destination with schema `schema`. */
export function snowflakeSql(schema: string) {
  const t = (name: string) => `${schema}.${name}`;
  const tableStage = `@${schema}.%raw_events`;
  const eventColumns = EVENT_ROW_COLUMNS.join(', ');
  const definitionColumns = DEFINITION_ROW_COLUMNS.join(', ');
  const json = new Set(['event_properties', 'source_properties']);
  const sourceColumns = EVENT_ROW_COLUMNS.map((column) => (json.has(column) ? `PARSE_JSON(${column}) AS ${column}` : column)).join(', ');
  const updates = EVENT_ROW_COLUMNS.filter((column) => column !== 'event_id')
    .map((column) => `${column} = src.${column}`)
    .join(', ');
  const values = EVENT_ROW_COLUMNS.map((column) => `src.${column}`).join(', ');
  const times = new Set(['created_time', 'modified_time']);
  const definitionSelect = DEFINITION_ROW_COLUMNS.map((column, index) =>
    column === 'rule'
      ? `PARSE_JSON(column${index + 1})`
      : times.has(column)
        ? `TO_TIMESTAMP_NTZ(column${index + 1})`
        : `column${index + 1}`,
  ).join(', ');
  const definitionTuple = `(${DEFINITION_ROW_COLUMNS.map(() => '?').join(', ')})`;

  return {
    alterSession: (timeoutSeconds: number) =>
      `ALTER SESSION SET ${snowflakeSessionParameters(timeoutSeconds)
        .map(([name, value]) => `${name} = ${value}`)
        .join(', ')}`,
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
    /** Deletes every row of `devices` devices (binds): a deletion request, before the merge of the same transaction. */
    deleteDevices: (devices: number) =>
      `DELETE FROM ${t('events')} WHERE device_id IN (${Array.from({ length: devices }, () => 'CAST(? AS NUMBER(19,0))').join(', ')})`,
    /** Removes every file from the table stage: the leftovers of a load that failed before its COPY. */
    removeStaged: `REMOVE ${tableStage}`,
    /**
     * Uploads the files of `folder` (an absolute local path, files `*.tsv.zst`) to the table stage
     * under `prefix`. They are compressed already, so the driver neither compresses nor sniffs them.
     */
    put: (folder: string, prefix: string) =>
      `PUT 'file://${folder}/*.tsv.zst' ${tableStage}/${prefix}/ PARALLEL = 4 AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = ZSTD OVERWRITE = TRUE`,
    /**
     * Loads the files under `prefix` into `raw_events`: the whole statement fails on the first bad
     * record (nothing loaded), and the files are deleted from the stage once loaded.
     */
    copy: (prefix: string) =>
      `COPY INTO ${t('raw_events')} (${eventColumns}) FROM ${tableStage}/${prefix}/ FILE_FORMAT = (${SNOWFLAKE_FILE_FORMAT}) ` +
      `ON_ERROR = ABORT_STATEMENT PURGE = TRUE`,
    begin: 'BEGIN TRANSACTION',
    commit: 'COMMIT',
    rollback: 'ROLLBACK',
    // The newest processed_time of each event_id in staging (QUALIFY) replaces a stored row only
    // when strictly newer, so re-loading the same rows changes nothing; a tombstone applies only to
    // a row held before or loaded live with it (has_live). A row's event_time never changes between
    // its versions, so stored rows are looked for only inside the staged rows' event_time range
    // (the two binds): Snowflake prunes the micro-partitions outside it. SYSDATE() is the UTC wall
    // clock as TIMESTAMP_NTZ (CURRENT_TIMESTAMP would follow the session's TIMEZONE).
    merge:
      `MERGE INTO ${t('events')} AS tgt USING (` +
      `SELECT ${sourceColumns}, MAX(CASE WHEN event_type IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY event_id) AS has_live ` +
      `FROM ${t('raw_events')} ` +
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY processed_time DESC) = 1) AS src ` +
      `ON tgt.event_id = src.event_id AND tgt.event_time BETWEEN TO_TIMESTAMP_NTZ(?) AND TO_TIMESTAMP_NTZ(?) ` +
      `WHEN MATCHED AND src.processed_time > tgt.processed_time THEN UPDATE SET ${updates}, updated_time = SYSDATE() ` +
      `WHEN NOT MATCHED AND src.has_live = 1 THEN INSERT (${eventColumns}, updated_time) VALUES (${values}, SYSDATE())`,
    clearDefinitions: (name: string) => `DELETE FROM ${t(name)}`,
    /** Flat binds, `rows` tuples of 10. */
    insertDefinitions: (name: string, rows: number) =>
      `INSERT INTO ${t(name)} (${definitionColumns}, updated_time) SELECT ${definitionSelect}, SYSDATE() FROM VALUES ${Array.from(
        { length: rows },
        () => definitionTuple,
      ).join(', ')}`,
    probeRead: `SELECT COUNT(*) AS n FROM ${t('raw_events')} WHERE event_id = ?`,
    probeDelete: `DELETE FROM ${t('raw_events')} WHERE event_id = ?`,
    version: 'SELECT CURRENT_VERSION() AS version, CURRENT_ROLE() AS role, CURRENT_WAREHOUSE() AS warehouse',
  };
}
