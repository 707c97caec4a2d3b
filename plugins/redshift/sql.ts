/**
 * The SQL the Redshift destination sends through the Data API, built from a few fixed forms so
 * the golden-file tests pin every statement's exact text.
 */
import { DEFINITION_ROW_COLUMNS, DEFINITION_TABLES, EVENT_ROW_COLUMNS } from '@tributary/destination-sdk';
import type { DefinitionColumn, DefinitionRow, EventColumn } from '@tributary/destination-sdk';

/** Column types of `events` (and, without NOT NULL, `raw_events`). */
export const REDSHIFT_EVENT_COLUMNS = {
  event_id: 'VARCHAR(256) NOT NULL',
  event_time: 'TIMESTAMPTZ NOT NULL',
  processed_time: 'TIMESTAMPTZ NOT NULL',
  updated_time: 'TIMESTAMPTZ NOT NULL',
  device_id: 'BIGINT NOT NULL',
  session_id: 'BIGINT',
  view_id: 'BIGINT',
  event_type: 'VARCHAR(256)',
  event_properties: 'SUPER',
  source_type: 'VARCHAR(32) NOT NULL',
  source_properties: 'SUPER',
} satisfies Record<EventColumn, string>;

/** Column types of the three definition tables. */
export const REDSHIFT_DEFINITION_COLUMNS = {
  id: 'VARCHAR(256) NOT NULL',
  name: 'VARCHAR(MAX)',
  description: 'VARCHAR(MAX)',
  state: 'VARCHAR(16)',
  version: 'INTEGER',
  rule: 'SUPER',
  created_time: 'TIMESTAMPTZ',
  created_by: 'VARCHAR(MAX)',
  modified_time: 'TIMESTAMPTZ',
  modified_by: 'VARCHAR(MAX)',
  updated_time: 'TIMESTAMPTZ',
} satisfies Record<DefinitionColumn, string>;

const STAGING_COLUMNS = Object.fromEntries(
  Object.entries(REDSHIFT_EVENT_COLUMNS)
    .filter(([name]) => name !== 'updated_time')
    .map(([name, type]) => [name, type.replace(' NOT NULL', '')]),
);

/** Every table the plugin owns, with its columns and Redshift table attributes. */
export function redshiftTables(): { name: string; columns: Record<string, string>; attributes: string }[] {
  return [
    // Distributing both tables on event_id makes the merge's joins node-local.
    { name: 'events', columns: REDSHIFT_EVENT_COLUMNS, attributes: ' DISTKEY (event_id) SORTKEY (event_time)' },
    { name: 'raw_events', columns: STAGING_COLUMNS, attributes: ' DISTKEY (event_id)' },
    ...DEFINITION_TABLES.map((name) => ({ name, columns: REDSHIFT_DEFINITION_COLUMNS, attributes: ' DISTSTYLE ALL' })),
  ];
}

/**
 * The Data API refuses statement text above 100 kB ("Cannot process query string larger than
 * 100kB"); the plugin keeps every statement under this budget.
 */
export const REDSHIFT_MAX_SQL_BYTES = 100_000;

/** Definition rows per INSERT (10 parameters each). */
export const REDSHIFT_DEFINITION_ROWS_PER_INSERT = 500;

/** A Data API parameter: a name matching [0-9a-zA-Z_]+ and a non-empty string value. */
export interface SqlParam {
  name: string;
  value: string;
}

// Column letters for parameter names: row r, column c → `${letter[c]}${r}`.
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * One value of a multi-row VALUES list. The Data API cannot send NULL or an empty string as a
 * parameter (SqlParameter.value has a minimum length of 1), so those become literals.
 */
function placeholder(value: string | null, name: string, params: SqlParam[], wrap?: string): string {
  if (value === null) return 'NULL';
  const expression = value === '' ? `''` : `:${name}`;
  if (value !== '') params.push({ name, value });
  return wrap ? `${wrap}(${expression})` : expression;
}

/** A SQL string literal (COPY takes no parameters for its source, role or region). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Where and how COPY reads a load's files. */
export interface CopySource {
  /** `s3://bucket/key` of the manifest listing the files. */
  manifestUrl: string;
  /** IAM role associated with the cluster or workgroup, used by COPY to read the bucket. */
  iamRoleArn: string;
  /** Region of the bucket. */
  region: string;
}

/** Parameters bounding the merge to the staged rows' event_time range. */
/** The devices of a deletion request as parameters `:device_0`, `:device_1`, … of {@link deleteDevices}. */
export function deviceParams(deviceIds: readonly string[]): SqlParam[] {
  return deviceIds.map((id, i) => ({ name: `device_${i}`, value: id }));
}

export function eventTimeRangeParams(range: { from: string; to: string }): SqlParam[] {
  return [
    { name: 'from_time', value: range.from },
    { name: 'to_time', value: range.to },
  ];
}

/** The statements of one Redshift destination with schema `schema`. */
export function redshiftSql(schema: string) {
  const t = (name: string) => `${schema}.${name}`;
  const eventColumns = EVENT_ROW_COLUMNS.join(', ');
  const definitionColumns = DEFINITION_ROW_COLUMNS.join(', ');
  const latest =
    `SELECT ${eventColumns} FROM (SELECT ${eventColumns}, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY processed_time DESC) AS rn ` +
    `FROM ${t('raw_events')}) AS ranked WHERE rn = 1`;

  /**
   * `COPY` of a load's zstd JSON-lines files into raw_events, through their manifest. JSON keys
   * match column names ('auto'); times are ISO 8601 UTC ('auto' reads them). No compression
   * analysis or statistics update: raw_events is an empty staging table at every load, and both
   * would run on each one.
   */
  const copy = (source: CopySource) =>
    `COPY ${t('raw_events')} (${eventColumns}) FROM ${literal(source.manifestUrl)} IAM_ROLE ${literal(source.iamRoleArn)} ` +
    `REGION ${literal(source.region)} MANIFEST ZSTD FORMAT AS JSON 'auto' TIMEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF`;

  return {
    createSchema: `CREATE SCHEMA IF NOT EXISTS ${schema}`,
    createTable: (name: string, columns: Record<string, string>, attributes: string) =>
      `CREATE TABLE IF NOT EXISTS ${t(name)} (${Object.entries(columns)
        .map(([column, type]) => `${column} ${type}`)
        .join(', ')})${attributes}`,
    addColumn: (name: string, column: string, type: string) =>
      `ALTER TABLE ${t(name)} ADD COLUMN ${column} ${type.replace(' NOT NULL', '')}`,
    listColumns: `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = :schema`,
    copy,
    /**
     * A load, as ONE BatchExecuteStatement (one transaction): clear leftovers (a DELETE, so it
     * stays inside the transaction; staging is empty after every load, so it deletes nothing),
     * COPY the files in, drop staged tombstones of rows neither held nor loaded live with them
     * (a tombstone only replaces a row), delete a stored row when staging holds a strictly newer
     * version, insert the newest staged version of every event_id without a stored row, and
     * TRUNCATE staging. Redshift's TRUNCATE commits the transaction it runs in: as the last
     * statement it commits exactly the load, and any failure before it rolls everything back.
     *
     * Every read of `events` is bounded by the staged rows' event_time range (parameters
     * `from_time`, `to_time`): a row's event_time never changes between its versions, so no
     * stored version lies outside it, and the SORTKEY (event_time) lets Redshift skip the blocks
     * outside it. Redshift's MERGE allows no extra condition on WHEN MATCHED, so "newest
     * processed_time wins" is written as delete-then-insert. SYSDATE is the transaction's start
     * time with microseconds (GETDATE() truncates to seconds).
     */
    /** Deletes every row of `devices` devices (parameters of {@link deviceParams}): a deletion request. */
    deleteDevices: (devices: number) =>
      `DELETE FROM ${t('events')} WHERE device_id IN (${Array.from({ length: devices }, (_, i) => `CAST(:device_${i} AS BIGINT)`).join(', ')})`,
    /**
     * The load's statements; with `devices` > 0 the devices' rows are deleted first (after the
     * leftover clear), so the load's own rows of those devices, captured after the request, stay.
     */
    load: (source: CopySource, devices = 0) => {
      const inRange = (alias: string) => `${alias}.event_time BETWEEN CAST(:from_time AS TIMESTAMPTZ) AND CAST(:to_time AS TIMESTAMPTZ)`;
      return [
        `DELETE FROM ${t('raw_events')}`,
        ...(devices > 0
          ? [
              `DELETE FROM ${t('events')} WHERE device_id IN (${Array.from({ length: devices }, (_, i) => `CAST(:device_${i} AS BIGINT)`).join(', ')})`,
            ]
          : []),
        copy(source),
        `DELETE FROM ${t('raw_events')} WHERE event_type IS NULL ` +
          `AND NOT EXISTS (SELECT 1 FROM ${t('events')} AS e WHERE e.event_id = ${t('raw_events')}.event_id AND ${inRange('e')}) ` +
          `AND NOT EXISTS (SELECT 1 FROM ${t('raw_events')} AS live WHERE live.event_id = ${t('raw_events')}.event_id AND live.event_type IS NOT NULL)`,
        `DELETE FROM ${t('events')} USING ${t('raw_events')} WHERE ${t('events')}.event_id = ${t('raw_events')}.event_id ` +
          `AND ${t('raw_events')}.processed_time > ${t('events')}.processed_time AND ${inRange(t('events'))}`,
        `INSERT INTO ${t('events')} (${eventColumns}, updated_time) SELECT ${EVENT_ROW_COLUMNS.map((c) => `src.${c}`).join(', ')}, SYSDATE ` +
          `FROM (${latest}) AS src WHERE NOT EXISTS (SELECT 1 FROM ${t('events')} AS e WHERE e.event_id = src.event_id AND ${inRange('e')})`,
        `TRUNCATE ${t('raw_events')}`,
      ];
    },
    /** Index of the load statement whose ResultRows is the number of rows merged (one more after a deletion). */
    loadInsertIndex: (devices = 0) => (devices > 0 ? 5 : 4),
    // DELETE, not TRUNCATE: the three tables are rewritten in one transaction, which a TRUNCATE
    // would commit half-way; they hold a few hundred rows, so DELETE costs nothing.
    clearDefinitions: (name: string) => `DELETE FROM ${t(name)}`,
    insertDefinitions(name: string, rows: readonly DefinitionRow[], offset: number): { sql: string; params: SqlParam[] } {
      const params: SqlParam[] = [];
      const tuples = rows.map(
        (row, r) =>
          `(${DEFINITION_ROW_COLUMNS.map((column, c) =>
            placeholder(String(row[column]), `${LETTERS[c]}${offset + r}`, params, column === 'rule' ? 'JSON_PARSE' : undefined),
          ).join(', ')}, SYSDATE)`,
      );
      return { sql: `INSERT INTO ${t(name)} (${definitionColumns}, updated_time) VALUES ${tuples.join(', ')}`, params };
    },
    probeRead: `SELECT COUNT(*) AS n FROM ${t('raw_events')} WHERE event_id = :probe`,
    probeDelete: `DELETE FROM ${t('raw_events')} WHERE event_id = :probe`,
    version: 'SELECT version() AS version, current_user AS db_user',
  };
}
