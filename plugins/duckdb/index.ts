import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { z } from 'zod';
import {
  DEFINITION_ROW_COLUMNS,
  DEFINITION_TABLES,
  DESTINATION_API_VERSION,
  EVENT_ROW_COLUMNS,
  checkWarehouse,
  createClassifiedRunner,
  defineDestination,
  quoteIdentifier,
  loadUnlessEmpty,
  sqlIdentifier,
  target,
} from '@tributary/destination-sdk';
import type {
  DefinitionColumn,
  DefinitionTables,
  DestinationConnection,
  DestinationContext,
  EventColumn,
  EventRow,
  LoadOptions,
  LoadResult,
} from '@tributary/destination-sdk';
import { classifyDuckdbError } from './errors.ts';

const duckdbConfig = z.object({
  // DuckDB keeps <file>.wal and <file>.tmp/ next to the file: the suffix keeps another
  // destination's file from being one of them.
  path: target(z.string().regex(/[^/]\.duckdb$/, 'a file name ending in .duckdb'), { kind: 'file' }).describe(
    "DuckDB database file, relative to the server's folder of destination files (e.g. warehouse.duckdb or team/analytics.duckdb); created if missing",
  ),
  schema: sqlIdentifier.default('main').describe('Schema holding the Tributary tables; created if missing'),
  memoryLimit: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)$/i, 'a size such as 512MB, 2GB or 50%')
    .default('256MB')
    .describe(
      'DuckDB memory_limit during a sync (its buffers; DuckDB itself takes ~0.3 GB more). Loads larger than it spill to disk; at 1 GB a 1M-row sync was no faster.',
    ),
});

/** The parsed configuration of the DuckDB destination. */
export type DuckdbDestinationConfig = z.output<typeof duckdbConfig>;

const EVENT_COLUMN_TYPES = {
  event_id: 'VARCHAR',
  event_time: 'TIMESTAMPTZ',
  processed_time: 'TIMESTAMPTZ',
  updated_time: 'TIMESTAMPTZ',
  device_id: 'BIGINT',
  session_id: 'BIGINT',
  view_id: 'BIGINT',
  event_type: 'VARCHAR',
  event_properties: 'JSON',
  source_type: 'VARCHAR',
  source_properties: 'JSON',
} satisfies Record<EventColumn, string>;

const DEFINITION_COLUMN_TYPES = {
  id: 'VARCHAR',
  name: 'VARCHAR',
  description: 'VARCHAR',
  state: 'VARCHAR',
  version: 'INTEGER',
  rule: 'JSON',
  created_time: 'TIMESTAMPTZ',
  created_by: 'VARCHAR',
  modified_time: 'TIMESTAMPTZ',
  modified_by: 'VARCHAR',
  updated_time: 'TIMESTAMPTZ',
} satisfies Record<DefinitionColumn, string>;

// Rows appended to staging per committed step of a load.
const SEGMENT_ROWS = 50_000;

const NOT_NULL_EVENT_COLUMNS = new Set(['event_time', 'processed_time', 'updated_time', 'device_id', 'source_type']);

// The column list of `events` (with its NOT NULLs) or of raw_events (without).
function eventColumns(staging: boolean): string {
  return Object.entries(EVENT_COLUMN_TYPES)
    .map(([name, type]) => `${quoteIdentifier(name)} ${type}${!staging && NOT_NULL_EVENT_COLUMNS.has(name) ? ' NOT NULL' : ''}`)
    .join(', ');
}

/** A local DuckDB database file as a warehouse. */
export const duckdbDestination = defineDestination({
  id: 'duckdb',
  displayName: 'DuckDB',
  // 1.1.0: events without a primary key (see createTables); ensureTables rebuilds older tables
  version: '1.1.0',
  apiVersion: DESTINATION_API_VERSION,
  capabilities: { deleteDevices: true },
  description: 'Loads events into a local DuckDB file. The file is opened only during a sync, so it can be queried between syncs.',
  config: duckdbConfig,
  connect: async (config, ctx) => createDuckdbConnection(config, ctx),
});

export default duckdbDestination;

interface OpenDatabase {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}

function createDuckdbConnection(config: DuckdbDestinationConfig, ctx: DestinationContext): DestinationConnection {
  let database: OpenDatabase | undefined;
  const schema = quoteIdentifier(config.schema);
  const table = (name: string) => `${schema}.${quoteIdentifier(name)}`;

  // DuckDB allows one writing process per file: open it only when an operation needs it.
  async function db(): Promise<DuckDBConnection> {
    if (!database) {
      ctx.onStatement?.(`open ${config.path}`);
      // DuckDB's native library is loaded on the first open, not when the plugin is imported
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(config.path, { memory_limit: config.memoryLimit });
      try {
        database = { instance, connection: await instance.connect() };
      } catch (err) {
        instance.closeSync();
        throw err;
      }
    }
    return database.connection;
  }

  async function run(sql: string, values?: string[]) {
    const connection = await db();
    ctx.onStatement?.(sql);
    return values ? connection.run(sql, values) : connection.run(sql);
  }

  const classified = createClassifiedRunner(classifyDuckdbError, ctx.signal);

  async function inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await run('COMMIT');
      return result;
    } catch (err) {
      await run('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  async function createSchema(): Promise<void> {
    await run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  }

  /**
   * `events` has no primary key: DuckDB holds a transaction's index changes in memory, so merging
   * a large window (a catch-up after a long outage) into a keyed table in one transaction ran out
   * of memory (5M rows at 256 MB). event_id stays unique because every load goes through the
   * MERGE of mergeStaging, and DuckDB's file lock lets only one load write at a time.
   */
  async function createTables(): Promise<void> {
    await run(`CREATE TABLE IF NOT EXISTS ${table('events')} (${eventColumns(false)})`);
    await run(`CREATE TABLE IF NOT EXISTS ${table('raw_events')} (${eventColumns(true)})`);
    const definitionColumns = Object.entries(DEFINITION_COLUMN_TYPES)
      .map(([name, type]) => `${quoteIdentifier(name)} ${type}${name === 'id' ? ' PRIMARY KEY' : ''}`)
      .join(', ');
    for (const name of DEFINITION_TABLES) await run(`CREATE TABLE IF NOT EXISTS ${table(name)} (${definitionColumns})`);
    await addMissingColumns();
    await dropEventsPrimaryKey();
  }

  // Version 1.0 created `events` with a primary key, which DuckDB cannot drop: rebuild the table.
  async function dropEventsPrimaryKey(): Promise<void> {
    const connection = await db();
    const sql = `SELECT count(*)::INTEGER AS n FROM duckdb_constraints()
      WHERE schema_name = $schema AND table_name = 'events' AND constraint_type = 'PRIMARY KEY'`;
    ctx.onStatement?.(sql);
    const reader = await connection.runAndReadAll(sql, { schema: config.schema });
    if (Number(reader.getRowObjectsJS()[0]?.n ?? 0) === 0) return;
    const columns = Object.keys(EVENT_COLUMN_TYPES).map(quoteIdentifier).join(', ');
    await inTransaction(async () => {
      await run(`CREATE TABLE ${table('events_rebuild')} (${eventColumns(false)})`);
      await run(`INSERT INTO ${table('events_rebuild')} (${columns}) SELECT ${columns} FROM ${table('events')}`);
      await run(`DROP TABLE ${table('events')}`);
      await run(`ALTER TABLE ${table('events_rebuild')} RENAME TO events`);
    });
  }

  // Tables created by an older version of the plugin get the columns added since.
  async function addMissingColumns(): Promise<void> {
    const connection = await db();
    const sql = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $schema`;
    ctx.onStatement?.(sql);
    const reader = await connection.runAndReadAll(sql, { schema: config.schema });
    const present = new Set(reader.getRowObjectsJS().map((row) => `${String(row.table_name)}.${String(row.column_name)}`));
    const expected: [string, Record<string, string>][] = [
      ['events', EVENT_COLUMN_TYPES],
      ['raw_events', EVENT_COLUMN_TYPES],
      ...DEFINITION_TABLES.map((name): [string, Record<string, string>] => [name, DEFINITION_COLUMN_TYPES]),
    ];
    for (const [name, columns] of expected) {
      for (const [column, type] of Object.entries(columns)) {
        if (!present.has(`${name}.${column}`)) {
          await run(`ALTER TABLE ${table(name)} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column)} ${type}`);
        }
      }
    }
  }

  async function ensureTables(): Promise<void> {
    await classified('creating tables', async () => {
      await createSchema();
      await createTables();
    });
  }

  /**
   * Stages the window in raw_events, committed segment by segment (staging only: DuckDB holds a
   * transaction's changes in memory, so appending a large window in one transaction grew with
   * it), then merges it into `events` in one transaction with one MERGE and empties staging in
   * the same transaction. Leftovers of a failed load are cleared first.
   */
  function loadEvents(batches: AsyncIterable<EventRow[]>, options: LoadOptions = {}): Promise<LoadResult> {
    return loadUnlessEmpty(
      batches,
      async (nonEmpty) => {
        return await classified('loading events', async () => {
          const result: LoadResult = { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
          await run(`DELETE FROM ${table('raw_events')}`);
          const source = nonEmpty[Symbol.asyncIterator]();
          while (await appendSegment(source, result));
          const merged = await inTransaction(async () => {
            // deletion requests first: the load's own rows of those devices came after them
            const deleted = await deleteDevices(options.deleteDeviceIds ?? []);
            const outcome = await mergeStaging();
            await run(`DELETE FROM ${table('raw_events')}`);
            return { ...outcome, deleted };
          });
          return {
            ...result,
            rowsMerged: merged.rows,
            mergedEventTimeRange: merged.range,
            ...(options.deleteDeviceIds?.length ? { rowsDeleted: merged.deleted } : {}),
          };
        });
      },
      options,
    );
  }

  /** Deletes every row of these devices from `events`; returns how many. */
  async function deleteDevices(deviceIds: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < deviceIds.length; start += 500) {
      const chunk = deviceIds.slice(start, start + 500);
      const result = await run(
        `DELETE FROM ${table('events')} WHERE device_id IN (${chunk.map((_, i) => `$${i + 1}::BIGINT`).join(', ')})`,
        [...chunk],
      );
      deleted += Number(result.rowsChanged);
    }
    return deleted;
  }

  // Appends batches to raw_events until the segment is full, then commits them (closing the
  // appender flushes in autocommit); false when the source is exhausted.
  async function appendSegment(source: AsyncIterator<EventRow[]>, result: LoadResult): Promise<boolean> {
    const connection = await db();
    ctx.onStatement?.(`append to ${table('raw_events')}`);
    const appender = await connection.createAppender('raw_events', config.schema);
    let segmentRows = 0;
    try {
      while (segmentRows < SEGMENT_ROWS) {
        ctx.signal?.throwIfAborted();
        const next = await source.next();
        if (next.done) return false;
        for (const row of next.value) result.bytes += appendRow(appender, row);
        segmentRows += next.value.length;
        result.rowsStaged += next.value.length;
      }
      return true;
    } finally {
      appender.closeSync();
    }
  }

  /**
   * Merges staging into `events`, looking for stored rows only inside the staged rows'
   * event_time range (a row's versions share their event_time), so the merge reads the recent
   * end of `events`, not its history (DuckDB skips the row groups outside the range).
   */
  async function mergeStaging(): Promise<{ rows: number; range: { from: string; to: string } | null }> {
    const utc = (column: string) => `strftime(${column} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')`;
    const boundsSql = `SELECT ${utc('min(event_time)')} AS lo, ${utc('max(event_time)')} AS hi FROM ${table('raw_events')}`;
    ctx.onStatement?.(boundsSql);
    const bounds = (await (await db()).runAndReadAll(boundsSql)).getRowObjectsJson()[0] as
      { lo: string | null; hi: string | null } | undefined;
    if (!bounds?.lo || !bounds.hi) return { rows: 0, range: null };
    const column = (name: string, prefix = '') => prefix + quoteIdentifier(name);
    const columns = EVENT_ROW_COLUMNS.map((name) => column(name)).join(', ');
    const values = EVENT_ROW_COLUMNS.map((name) => column(name, 's.')).join(', ');
    const updates = EVENT_ROW_COLUMNS.filter((name) => name !== 'event_id')
      .map((name) => `${column(name)} = ${column(name, 's.')}`)
      .join(', ');
    // Within one load the latest processed_time of each event_id wins (QUALIFY), and a stored row
    // is replaced only by a strictly later one, so re-loading the same rows changes nothing. A
    // tombstone applies only to a row held before the load or loaded live with it (has_live).
    const result = await run(
      `
      MERGE INTO ${table('events')} AS e
      USING (SELECT *, max(CASE WHEN event_type IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY event_id) AS has_live
        FROM ${table('raw_events')}
        QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY processed_time DESC) = 1) AS s
      ON e.event_id = s.event_id AND e.event_time BETWEEN $1::TIMESTAMPTZ AND $2::TIMESTAMPTZ
      WHEN MATCHED AND e.processed_time < s.processed_time THEN UPDATE SET ${updates}, updated_time = current_timestamp
      WHEN NOT MATCHED AND s.has_live = 1 THEN INSERT (${columns}, updated_time) VALUES (${values}, current_timestamp)`,
      [bounds.lo, bounds.hi],
    );
    return { rows: Number(result.rowsChanged), range: { from: bounds.lo, to: bounds.hi } };
  }

  async function replaceDefinitions(tables: DefinitionTables): Promise<void> {
    await classified('replacing definitions', () =>
      inTransaction(async () => {
        const connection = await db();
        for (const name of DEFINITION_TABLES) {
          await run(`DELETE FROM ${table(name)}`);
          const rows = tables[name];
          if (rows.length === 0) continue;
          ctx.onStatement?.(`append to ${table(name)}`);
          const appender = await connection.createAppender(name, config.schema);
          try {
            for (const row of rows) {
              for (const column of DEFINITION_ROW_COLUMNS) {
                if (column === 'version') appender.appendInteger(row.version);
                else appender.appendVarchar(row[column]);
              }
              appender.appendDefault();
              appender.endRow();
            }
            appender.flushSync();
          } finally {
            appender.closeSync();
          }
          await run(`UPDATE ${table(name)} SET updated_time = current_timestamp`);
        }
      }),
    );
  }

  function check() {
    // The probe's id is the SDK's (letters, digits and dashes): quoting it is enough.
    const quoted = (eventId: string) => `'${eventId.replaceAll("'", "''")}'`;
    return checkWarehouse(
      {
        connect: async () => {
          const rows = await (await run('SELECT version() AS version')).getRowObjectsJS();
          return `opened ${config.path} (DuckDB ${String(rows[0]?.version)})`;
        },
        createSchema: async () => (await createSchema(), `schema "${config.schema}" exists`),
        createTables: () => createTables(),
        writeProbe: async (row) => {
          await run(`INSERT INTO ${table('raw_events')} (event_id, event_time, processed_time, device_id, source_type)
            VALUES (${quoted(row.event_id)}, current_timestamp, current_timestamp, 0, 'server')`);
        },
        countProbe: async (eventId) => {
          const rows = await (
            await run(`SELECT count(*) AS n FROM ${table('raw_events')} WHERE event_id = ${quoted(eventId)}`)
          ).getRowObjectsJS();
          return Number(rows[0]?.n);
        },
        deleteProbe: async (eventId) => {
          await run(`DELETE FROM ${table('raw_events')} WHERE event_id = ${quoted(eventId)}`);
        },
      },
      classified,
    );
  }

  async function close(): Promise<void> {
    const open = database;
    database = undefined;
    if (!open) return;
    open.connection.closeSync();
    open.instance.closeSync();
  }

  return { check, ensureTables, loadEvents, replaceDefinitions, close };
}

const STAGING_COLUMNS = Object.keys(EVENT_COLUMN_TYPES) as (keyof EventRow | 'updated_time')[];

// Appends one row to raw_events in its column order (updated_time stays NULL in staging); DuckDB
// casts the text to TIMESTAMPTZ, BIGINT and JSON. Returns the UTF-8 size of the values.
function appendRow(appender: DuckDBAppender, row: EventRow): number {
  let bytes = 0;
  for (const column of STAGING_COLUMNS) {
    const value = column === 'updated_time' ? null : row[column];
    if (value === null) {
      appender.appendNull();
    } else {
      appender.appendVarchar(value);
      bytes += Buffer.byteLength(value);
    }
  }
  appender.endRow();
  return bytes;
}
