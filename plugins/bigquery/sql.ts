/**
 * Every table schema and SQL text the BigQuery destination sends, built from a few templates so
 * their exact text can be pinned by golden-file tests (test/plugins/golden/bigquery/).
 */
import { DEFINITION_ROW_COLUMNS, DEFINITION_TABLES, EVENT_ROW_COLUMNS } from '@tributary/destination-sdk';
import type { DefinitionColumn, EventColumn } from '@tributary/destination-sdk';

/** One column of a BigQuery table schema, as the REST API takes it. */
export interface BigqueryField {
  name: string;
  /** Legacy REST type names, which every BigQuery API version and emulator accepts. */
  type: 'STRING' | 'INTEGER' | 'TIMESTAMP';
  mode: 'NULLABLE' | 'REQUIRED';
  description?: string;
}

/** The tables the plugin owns, in creation order. */
export const BIGQUERY_TABLES = ['events', 'raw_events', ...DEFINITION_TABLES, 'raw_definitions'] as const;
export type BigqueryTable = (typeof BIGQUERY_TABLES)[number];

const field = (name: string, type: BigqueryField['type'], mode: BigqueryField['mode'], description: string): BigqueryField => ({
  name,
  type,
  mode,
  description,
});

// JSON columns are STRING holding JSON text: the raw-events layout that the dbt package and
// analysts' SQL expect (PARSE_JSON / JSON_VALUE on the text), an exact round trip of the text
// (the JSON type rewrites numbers and rejects integers beyond float64 in its default
// wide_number_mode), and a type every BigQuery tool and emulator handles.
const EVENT_FIELDS: Record<EventColumn, BigqueryField> = {
  event_id: field('event_id', 'STRING', 'REQUIRED', 'Unique id of the row; merge key'),
  event_time: field('event_time', 'TIMESTAMP', 'REQUIRED', "When it happened by the device's clock (UTC)"),
  processed_time: field('processed_time', 'TIMESTAMP', 'REQUIRED', 'When Tributary processed (or re-processed) it'),
  updated_time: field('updated_time', 'TIMESTAMP', 'REQUIRED', 'Set by BigQuery when a merge wrote the row'),
  device_id: field('device_id', 'INTEGER', 'REQUIRED', 'Device id'),
  session_id: field('session_id', 'INTEGER', 'NULLABLE', 'Session within the device; NULL when none'),
  view_id: field('view_id', 'INTEGER', 'NULLABLE', 'Page load / screen lifetime; NULL when none'),
  event_type: field('event_type', 'STRING', 'NULLABLE', 'navigate, click, custom, …; NULL on tombstones'),
  event_properties: field('event_properties', 'STRING', 'NULLABLE', 'Type-specific properties, JSON text'),
  source_type: field('source_type', 'STRING', 'REQUIRED', 'web, mobile_app or server'),
  source_properties: field('source_properties', 'STRING', 'NULLABLE', 'Where the event came from, JSON text'),
};

const EVENT_TABLE_ORDER = [
  'event_id',
  'event_time',
  'processed_time',
  'updated_time',
  'device_id',
  'session_id',
  'view_id',
  'event_type',
  'event_properties',
  'source_type',
  'source_properties',
] as const;

const DEFINITION_FIELDS: Record<DefinitionColumn, BigqueryField> = {
  id: field('id', 'STRING', 'REQUIRED', "The definition's id"),
  name: field('name', 'STRING', 'NULLABLE', 'Current display name'),
  description: field('description', 'STRING', 'NULLABLE', 'Current description'),
  state: field('state', 'STRING', 'NULLABLE', 'active or archived'),
  version: field('version', 'INTEGER', 'NULLABLE', 'Increases on every edit'),
  rule: field('rule', 'STRING', 'NULLABLE', "The definition's rule, JSON text"),
  created_time: field('created_time', 'TIMESTAMP', 'NULLABLE', 'When it was created'),
  created_by: field('created_by', 'STRING', 'NULLABLE', 'Who created it'),
  modified_time: field('modified_time', 'TIMESTAMP', 'NULLABLE', 'When it was last modified'),
  modified_by: field('modified_by', 'STRING', 'NULLABLE', 'Who last modified it'),
  updated_time: field('updated_time', 'TIMESTAMP', 'NULLABLE', 'Set by BigQuery when the table was rewritten'),
};

const nullable = (f: BigqueryField): BigqueryField => ({ ...f, mode: 'NULLABLE' });

/** The schema of each table. Staging tables have every column NULLABLE. */
export function tableSchema(table: BigqueryTable): BigqueryField[] {
  switch (table) {
    case 'events':
      return EVENT_TABLE_ORDER.map((name) => EVENT_FIELDS[name]);
    case 'raw_events':
      return EVENT_ROW_COLUMNS.map((name) => nullable(EVENT_FIELDS[name]));
    case 'raw_definitions':
      return [
        field('table_name', 'STRING', 'NULLABLE', 'The lookup table the row belongs to'),
        ...DEFINITION_ROW_COLUMNS.map((name) => nullable(DEFINITION_FIELDS[name])),
      ];
    default:
      return [...DEFINITION_ROW_COLUMNS.map((name) => DEFINITION_FIELDS[name]), DEFINITION_FIELDS.updated_time];
  }
}

/**
 * Table options besides the schema. `events` is partitioned by day on `event_time`, so a MERGE
 * bounded by the staged rows' `event_time` range reads only the partitions of that range, and
 * clustered by `event_id`, the merge key, so the rows of a partition are stored in id order.
 * The plugin sets them when it creates the table and never changes them afterwards (an
 * administrator may re-cluster the table for their own queries).
 */
export function tableOptions(table: BigqueryTable): Record<string, unknown> {
  const description =
    table === 'raw_events' || table === 'raw_definitions'
      ? 'Tributary staging table: holds rows only while a sync runs; ignore it.'
      : `Tributary ${table} (written by every sync)`;
  if (table !== 'events') return { description };
  return {
    description,
    timePartitioning: { type: 'DAY', field: 'event_time' },
    clustering: { fields: ['event_id'] },
  };
}

/** A backtick-quoted `project.dataset.table` path. */
export function tablePath(projectId: string, datasetId: string, table: string): string {
  return `\`${projectId}.${datasetId}.${table}\``;
}

/** The query parameters of {@link mergeSql}: the staged rows' `event_time` range (TIMESTAMP). */
export const MERGE_RANGE_PARAMS = { from: 'merge_from', to: 'merge_to' } as const;

/**
 * Merges `raw_events` into `events`: within the staged rows the latest processed_time of each
 * event_id wins (ROW_NUMBER), and a stored row is replaced only by a strictly later one, so a
 * re-run over the same rows changes nothing. A tombstone (NULL event_type) applies only to a row
 * held before the load or loaded live with it (has_live). `updated_time` comes from BigQuery's clock.
 *
 * The ON clause bounds the target to the staged rows' `event_time` range (`@merge_from`,
 * `@merge_to`, computed by the plugin while it streamed the rows): every version of an event
 * keeps its `event_time`, so a stored row that matches a staged `event_id` lies inside it. The
 * bounds are query parameters, i.e. constants, which is what BigQuery needs to prune the
 * partitions outside the range (a join condition alone, or a range computed by the same
 * statement, prunes nothing).
 */
export function mergeSql(projectId: string, datasetId: string): string {
  const events = tablePath(projectId, datasetId, 'events');
  const raw = tablePath(projectId, datasetId, 'raw_events');
  const columns = EVENT_ROW_COLUMNS.join(', ');
  const updates = EVENT_ROW_COLUMNS.filter((c) => c !== 'event_id')
    .map((c) => `    ${c} = S.${c},`)
    .join('\n');
  const values = EVENT_ROW_COLUMNS.map((c) => `S.${c}`).join(', ');
  return `MERGE ${events} T
USING (
  SELECT * EXCEPT(rn) FROM (
    SELECT ${columns},
      ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY processed_time DESC) AS rn,
      MAX(CASE WHEN event_type IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY event_id) AS has_live
    FROM ${raw}
  )
  WHERE rn = 1
) S
ON T.event_id = S.event_id AND T.event_time BETWEEN @${MERGE_RANGE_PARAMS.from} AND @${MERGE_RANGE_PARAMS.to}
WHEN MATCHED AND S.processed_time > T.processed_time THEN
  UPDATE SET
${updates}
    updated_time = CURRENT_TIMESTAMP()
WHEN NOT MATCHED AND S.has_live = 1 THEN
  INSERT (${columns}, updated_time)
  VALUES (${values}, CURRENT_TIMESTAMP())`;
}

/** The query parameter of {@link deleteAndMergeSql}: the devices to delete (ARRAY<STRING> of decimal ids). */
export const DELETE_DEVICES_PARAM = 'delete_devices';

/**
 * A deletion request and the load's merge in one multi-statement transaction (a script): every
 * row of the named devices is deleted from `events` first (the rows of those devices in this load
 * were captured after the request, so they stay), then the window is merged as {@link mergeSql}
 * does (`withMerge` false: a deletion with nothing to load). The script's one result row gives
 * both counts (`@@row_count` after each DML statement), because a script job reports no DML count
 * of its own. The DELETE reads every partition: deletion requests are rare, and a person's rows
 * can be anywhere in the table's history.
 */
export function deleteAndMergeSql(projectId: string, datasetId: string, withMerge: boolean): string {
  const events = tablePath(projectId, datasetId, 'events');
  return [
    'DECLARE rows_deleted INT64 DEFAULT 0;',
    'DECLARE rows_merged INT64 DEFAULT 0;',
    'BEGIN TRANSACTION;',
    `DELETE FROM ${events} WHERE CAST(device_id AS STRING) IN UNNEST(@${DELETE_DEVICES_PARAM});`,
    'SET rows_deleted = @@row_count;',
    ...(withMerge ? [`${mergeSql(projectId, datasetId)};`, 'SET rows_merged = @@row_count;'] : []),
    'COMMIT TRANSACTION;',
    'SELECT rows_deleted, rows_merged;',
  ].join('\n');
}

/** Empties a staging table (no scan is billed, unlike DELETE). */
export function truncateSql(projectId: string, datasetId: string, table: 'raw_events' | 'raw_definitions'): string {
  return `TRUNCATE TABLE ${tablePath(projectId, datasetId, table)}`;
}

/**
 * Rewrites the three lookup tables from `raw_definitions` in one multi-statement transaction
 * (all three change together or none), stamps `updated_time` with BigQuery's clock, and empties
 * the staging table. With `fromStaging` false (no definitions at all) it only empties them.
 */
export function replaceDefinitionsSql(projectId: string, datasetId: string, fromStaging: boolean): string {
  const raw = tablePath(projectId, datasetId, 'raw_definitions');
  const columns = DEFINITION_ROW_COLUMNS.join(', ');
  const statements = ['BEGIN TRANSACTION;'];
  for (const table of DEFINITION_TABLES) {
    const target = tablePath(projectId, datasetId, table);
    statements.push(`DELETE FROM ${target} WHERE TRUE;`);
    if (fromStaging) {
      statements.push(
        `INSERT INTO ${target} (${columns}, updated_time)\n` +
          `SELECT ${columns}, CURRENT_TIMESTAMP() FROM ${raw} WHERE table_name = '${table}';`,
      );
    }
  }
  statements.push(`DELETE FROM ${raw} WHERE TRUE;`);
  statements.push('COMMIT TRANSACTION;');
  return statements.join('\n');
}

/** The check's read-back query (named parameter `@probe`). */
export function probeCountSql(projectId: string, datasetId: string): string {
  return `SELECT COUNT(*) AS n FROM ${tablePath(projectId, datasetId, 'raw_events')} WHERE event_id = @probe`;
}

/** The check's clean-up statement (named parameter `@probe`). */
export function probeDeleteSql(projectId: string, datasetId: string): string {
  return `DELETE FROM ${tablePath(projectId, datasetId, 'raw_events')} WHERE event_id = @probe`;
}
