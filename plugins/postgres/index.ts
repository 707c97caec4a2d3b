import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import postgres from 'postgres';
import { z } from 'zod';
import {
  ConfigError,
  DEFINITION_ROW_COLUMNS,
  DEFINITION_TABLES,
  DESTINATION_API_VERSION,
  EVENT_ROW_COLUMNS,
  checkWarehouse,
  createClassifiedRunner,
  defineDestination,
  encodeCopyText,
  secret,
  sqlIdentifier,
  target,
} from '@tributary/destination-sdk';
import type {
  CopyTextChunk,
  DefinitionColumn,
  DefinitionTables,
  DestinationConnection,
  DestinationContext,
  EventColumn,
  EventRow,
  LoadOptions,
  LoadResult,
} from '@tributary/destination-sdk';
import { CopyChunkQueue } from './chunk-queue.ts';
import { classifyPostgresError } from './errors.ts';

const postgresConfig = z
  .object({
    url: target(
      secret(
        z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
          .refine((url) => URL.canParse(url), 'must be a valid URL'),
      ),
      { kind: 'url' },
    )
      .optional()
      .describe('Connection URL, e.g. postgres://user:password@host:5432/analytics. Use it or host/database/user.'),
    host: target(z.string().min(1), { kind: 'host' }).optional().describe('Host name or IP address'),
    port: target(z.number().int().min(1).max(65535)).default(5432).describe('Port'),
    database: target(z.string().min(1)).optional().describe('Database name'),
    user: target(z.string().min(1)).optional().describe('User name'),
    password: secret(z.string()).optional().describe('Password'),
    // a target too: with TLS turned off, the password could be read on the way to the same host
    ssl: target(z.enum(['disable', 'require', 'verify-full']))
      .optional()
      .describe('TLS mode; by default the URL’s sslmode, otherwise disabled'),
    schema: sqlIdentifier.default('tributary').describe('Schema holding the Tributary tables; created if missing'),
    connectTimeoutSeconds: z.number().int().min(1).max(300).default(30).describe('Connection timeout in seconds'),
  })
  .refine((config) => config.url !== undefined || (config.host && config.database && config.user), {
    message: 'give either url, or host, database and user',
  });

type TimeRange = { from: string; to: string };

/** The smallest range holding both (UTC times of one format compare as text). */
function widen(a: TimeRange | null | undefined, b: TimeRange | null): TimeRange | null {
  if (!a) return b;
  if (!b) return a;
  return { from: a.from < b.from ? a.from : b.from, to: a.to > b.to ? a.to : b.to };
}

/** The parsed configuration of the Postgres destination. */
export type PostgresDestinationConfig = z.output<typeof postgresConfig>;

const EVENT_COLUMN_TYPES = {
  event_id: 'text',
  event_time: 'timestamptz',
  processed_time: 'timestamptz',
  updated_time: 'timestamptz',
  device_id: 'bigint',
  session_id: 'bigint',
  view_id: 'bigint',
  event_type: 'text',
  event_properties: 'jsonb',
  source_type: 'text',
  source_properties: 'jsonb',
} satisfies Record<EventColumn, string>;

const DEFINITION_COLUMN_TYPES = {
  id: 'text',
  name: 'text',
  description: 'text',
  state: 'text',
  version: 'integer',
  rule: 'jsonb',
  created_time: 'timestamptz',
  created_by: 'text',
  modified_time: 'timestamptz',
  modified_by: 'text',
  updated_time: 'timestamptz',
} satisfies Record<DefinitionColumn, string>;

const MERGE_SET_COLUMNS = EVENT_ROW_COLUMNS.filter((column) => column !== 'event_id');
// Rows staged and merged per step of a load; the next step is encoded during the merge.
const SEGMENT_ROWS = 50_000;
// Encoded rows held ahead of the COPY, so memory stays bounded whatever the window.
const PREFETCH_BYTES = 16 * 1024 * 1024;
// Definitions go in multi-row INSERTs; 11 parameters a row stays far below the 65,535 limit.
const DEFINITION_INSERT_CHUNK = 2000;

/** Any Postgres (or compatible) database as a warehouse. */
export const postgresDestination = defineDestination({
  id: 'postgres',
  displayName: 'PostgreSQL',
  version: '1.0.0',
  apiVersion: DESTINATION_API_VERSION,
  capabilities: { deleteDevices: true },
  description: 'Loads events into a schema of any PostgreSQL 15+ database (jsonb, timestamptz, MERGE).',
  config: postgresConfig,
  connect: async (config, ctx) => createPostgresConnection(config, ctx),
});

export default postgresDestination;

function openSql(config: PostgresDestinationConfig, ctx: DestinationContext): postgres.Sql {
  const options: postgres.Options<Record<string, never>> = {
    max: 1,
    connect_timeout: config.connectTimeoutSeconds,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: 'tributary' },
    debug: (_connection, query) => ctx.onStatement?.(query),
  };
  if (config.ssl !== undefined) options.ssl = config.ssl === 'disable' ? false : config.ssl;
  // Always the config's own password ('' when it has none): left unset, postgres-js would fall
  // back to the server's PGPASSWORD and send it to whatever host the destination names.
  const password = config.url !== undefined ? decodeURIComponent(new URL(config.url).password) : (config.password ?? '');
  options.password = () => password;
  if (config.url !== undefined) return postgres(config.url, options);
  return postgres({
    ...options,
    host: config.host,
    port: config.port,
    database: config.database,
    username: config.user,
  });
}

function createPostgresConnection(config: PostgresDestinationConfig, ctx: DestinationContext): DestinationConnection {
  let client: postgres.Sql | undefined;
  // postgres-js connects on the first query, so an unused connection sends nothing.
  const db = (): postgres.Sql => (client ??= openSql(config, ctx));
  const schema = config.schema;

  const classified = createClassifiedRunner(classifyPostgresError, ctx.signal);

  // MERGE (the merge of every load) exists from PostgreSQL 15 on.
  async function requireVersion(sql: postgres.Sql): Promise<void> {
    const [row] = await sql<{ version: number }[]>`SELECT current_setting('server_version_num')::int AS version`;
    if ((row?.version ?? 0) < 150000) {
      throw new ConfigError(
        `the warehouse runs PostgreSQL ${Math.floor((row?.version ?? 0) / 10000)}; the postgres destination needs 15 or later`,
      );
    }
  }

  async function createTables(sql: postgres.Sql): Promise<void> {
    await requireVersion(sql);
    const events = sql`
      event_id text PRIMARY KEY,
      event_time timestamptz NOT NULL,
      processed_time timestamptz NOT NULL,
      updated_time timestamptz NOT NULL,
      device_id bigint NOT NULL,
      session_id bigint,
      view_id bigint,
      event_type text,
      event_properties jsonb,
      source_type text NOT NULL,
      source_properties jsonb`;
    await sql`CREATE TABLE IF NOT EXISTS ${sql(schema)}.events (${events})`;
    // Staging holds rows only during a load: unlogged (no WAL) and without a key, so COPY is fast.
    await sql`CREATE UNLOGGED TABLE IF NOT EXISTS ${sql(schema)}.raw_events (
      event_id text, event_time timestamptz, processed_time timestamptz, updated_time timestamptz,
      device_id bigint, session_id bigint, view_id bigint, event_type text, event_properties jsonb,
      source_type text, source_properties jsonb)`;
    for (const table of DEFINITION_TABLES) {
      await sql`CREATE TABLE IF NOT EXISTS ${sql(schema)}.${sql(table)} (
        id text PRIMARY KEY, name text NOT NULL, description text NOT NULL, state text NOT NULL,
        version integer NOT NULL, rule jsonb, created_time timestamptz, created_by text,
        modified_time timestamptz, modified_by text, updated_time timestamptz NOT NULL)`;
    }
    await addMissingColumns(sql);
  }

  // Tables created by an older version of the plugin get the columns added since.
  async function addMissingColumns(sql: postgres.Sql): Promise<void> {
    const expected: [string, Record<string, string>][] = [
      ['events', EVENT_COLUMN_TYPES],
      ['raw_events', EVENT_COLUMN_TYPES],
      ...DEFINITION_TABLES.map((table): [string, Record<string, string>] => [table, DEFINITION_COLUMN_TYPES]),
    ];
    const existing = await sql<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = ${schema} AND table_name IN ${sql(expected.map(([table]) => table))}`;
    const present = new Set(existing.map((row) => `${row.table_name}.${row.column_name}`));
    for (const [table, columns] of expected) {
      for (const [column, type] of Object.entries(columns)) {
        if (present.has(`${table}.${column}`)) continue;
        await sql`ALTER TABLE ${sql(schema)}.${sql(table)} ADD COLUMN IF NOT EXISTS ${sql(column)} ${sql.unsafe(type)}`;
      }
    }
  }

  async function createSchema(sql: postgres.Sql): Promise<void> {
    const [found] = await sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`;
    if (found) return;
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`;
    } catch (err) {
      // Two processes creating the schema at once: the loser sees a unique violation.
      if ((err as { code?: string }).code !== '23505') throw err;
    }
  }

  async function ensureTables(): Promise<void> {
    await classified('creating tables', async () => {
      const sql = db();
      await createSchema(sql);
      await createTables(sql);
    });
  }

  function loadEvents(batches: AsyncIterable<EventRow[]>, options: LoadOptions = {}): Promise<LoadResult> {
    // Encoded as the queue pulls them, so encoding overlaps the database's work.
    return loadEventsCopyText(
      (async function* () {
        for await (const batch of batches) yield encodeCopyText(batch);
      })(),
      options,
    );
  }

  async function loadEventsCopyText(source: AsyncIterable<CopyTextChunk>, options: LoadOptions = {}): Promise<LoadResult> {
    const chunks = new CopyChunkQueue(source, PREFETCH_BYTES);
    const deleteDeviceIds = options.deleteDeviceIds ?? [];
    try {
      let next = await chunks.next();
      // an empty window sends the warehouse nothing (unless it has devices to delete)
      if (next === undefined && deleteDeviceIds.length === 0) return { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
      const first = next;
      return await classified('loading events', () =>
        db().begin(async (tx) => {
          const result: LoadResult = { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
          if (deleteDeviceIds.length > 0) {
            // deletion requests first: the load's own rows of those devices came after them
            const deleted = await tx`DELETE FROM ${tx(schema)}.events WHERE device_id = ANY(${[...deleteDeviceIds]}::text[]::bigint[])`;
            result.rowsDeleted = deleted.count;
          }
          // Staging has no statistics (analysing its jsonb costs as much as the merge), and
          // without them the planner may join by reading the whole of `events`; probing its
          // primary key once per staged row is what a merge into a large table needs.
          let ahead = [
            sendAhead(tx`SET LOCAL enable_hashjoin = off`),
            sendAhead(tx`SET LOCAL enable_mergejoin = off`),
            sendAhead(tx`SET LOCAL jit = off`),
            sendAhead(tx`TRUNCATE ${tx(schema)}.raw_events`),
          ];
          next = first;
          // Staging and merging segment by segment lets the next rows be read while the database
          // merges the previous ones; the transaction still commits all or nothing.
          while (next !== undefined) {
            const stagedBefore = result.rowsStaged;
            next = await copySegment(tx, next, chunks, result, ahead);
            const segment = await mergeStaging(tx, result.rowsStaged - stagedBefore);
            result.rowsMerged += segment.rows;
            result.mergedEventTimeRange = widen(result.mergedEventTimeRange, segment.range);
            ahead = [sendAhead(tx`TRUNCATE ${tx(schema)}.raw_events`)];
          }
          for (const statement of ahead) await statement;
          return result;
        }),
      );
    } finally {
      await chunks.stop();
    }
  }

  /**
   * Sends a statement at once, without waiting for its answer: statements on one connection run
   * in order, and each round trip would wait for this process, busy reading the next rows. The
   * caller awaits it before depending on it (its failure is reported there, not lost).
   */
  function sendAhead(query: postgres.PendingQuery<postgres.Row[]>): Promise<unknown> {
    const sent = query.execute();
    sent.catch(() => {});
    return sent;
  }

  /**
   * COPYs chunks into raw_events until the segment is full; returns the first chunk left over.
   * The COPY goes out behind the statements `ahead`, whose failures are reported first.
   */
  async function copySegment(
    tx: postgres.TransactionSql,
    first: CopyTextChunk,
    chunks: CopyChunkQueue,
    result: LoadResult,
    ahead: Promise<unknown>[],
  ): Promise<CopyTextChunk | undefined> {
    // FREEZE is allowed because raw_events was truncated in this transaction; it writes the rows
    // already frozen, sparing the merge the hint-bit work on them.
    const opening = tx`COPY ${tx(schema)}.raw_events (${tx([...EVENT_ROW_COLUMNS])}) FROM STDIN WITH (FREEZE)`.writable();
    opening.catch(() => {});
    for (const statement of ahead) await statement;
    const stream = await opening;
    let next: CopyTextChunk | undefined = first;
    let segmentRows = 0;
    try {
      while (next !== undefined && segmentRows < SEGMENT_ROWS) {
        ctx.signal?.throwIfAborted();
        segmentRows += next.rows;
        result.rowsStaged += next.rows;
        result.bytes += next.text.length;
        if (!stream.write(next.text)) await once(stream, 'drain');
        next = await chunks.next();
      }
      stream.end();
      await finished(stream);
    } catch (err) {
      // Destroying sends CopyFail, so the server aborts the COPY; the error is rethrown below.
      stream.on('error', () => {});
      stream.destroy(err as Error);
      throw err;
    }
    return next;
  }

  /**
   * Merges the `staged` rows of raw_events into `events`. Event ids are time-ordered, so nearly
   * all rows of a new window sort after every stored id: no stored row can match those, and they
   * go in with a plain INSERT (a quarter less work than MERGE, which probes the key first). The
   * rest (tombstones, rows sent again after a failed run) go through MERGE (PostgreSQL 15+),
   * which replaces a stored row only by a strictly later processed_time, so re-loading the same
   * rows changes nothing, and inserts a tombstone only when the load holds a live version of it
   * (`has_live`): a tombstone applies only to a row the warehouse holds. Ids decide only the path, never the result: a row another load
   * committed meanwhile makes the INSERT fail like a duplicate does. A load may hold one event_id
   * twice (the SDK allows it); INSERT and MERGE refuse that, so both run under a savepoint and,
   * only when they meet a duplicate, the segment is merged again keeping the latest version of
   * each event_id.
   */
  async function mergeStaging(tx: postgres.TransactionSql, staged: number): Promise<{ rows: number; range: TimeRange | null }> {
    const raw = tx`${tx(schema)}.raw_events`;
    // the staged rows' event_time range: a stored row they may replace lies inside it (its
    // versions share their event_time), so the merge looks nowhere else
    const utc = (value: postgres.PendingQuery<postgres.Row[]>) => tx`to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    const [bounds] = await tx<{ lo: string | null; hi: string | null }[]>`
      SELECT ${utc(tx`min(event_time)`)} AS lo, ${utc(tx`max(event_time)`)} AS hi FROM ${raw}`;
    const range = bounds?.lo && bounds.hi ? { from: bounds.lo, to: bounds.hi } : null;
    return { rows: await mergeSegment(tx, raw, staged, range), range };
  }

  async function mergeSegment(
    tx: postgres.TransactionSql,
    raw: postgres.PendingQuery<postgres.Row[]>,
    staged: number,
    range: TimeRange | null,
  ): Promise<number> {
    try {
      // (postgres-js reports a failed statement at the end of its scope even when caught: the
      // scope that may fail has to be its savepoint)
      return await tx.savepoint(async (sp) => {
        const { top, inserted } = await insertNew(sp);
        if (inserted === staged) return inserted;
        // the rows insertNew left: (a NULL id goes to MERGE too, whose INSERT refuses it as NOT NULL)
        const rest = sp`(SELECT *, event_type IS NOT NULL AS has_live FROM ${raw}
          WHERE NOT (event_type IS NOT NULL AND event_id IS NOT NULL AND (${top}::text IS NULL OR event_id > ${top})))`;
        return inserted + (await merge(sp, rest, range));
      });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // 23505: two new rows with one event_id; 21000: two staged rows for one stored row.
      if (code !== '23505' && code !== '21000') throw err;
      return merge(
        tx,
        tx`(SELECT DISTINCT ON (event_id) *, bool_or(event_type IS NOT NULL) OVER (PARTITION BY event_id) AS has_live
          FROM ${raw} ORDER BY event_id, processed_time DESC)`,
        range,
      );
    }
  }

  /**
   * Inserts the staged rows whose id sorts after every stored id (all of them when `events` is
   * empty), in one statement; returns that maximum as it was before, and the rows inserted.
   */
  async function insertNew(tx: postgres.TransactionSql): Promise<{ top: string | null; inserted: number }> {
    // listed one by one: postgres-js reads a column array after a CTE's INSERT as values to insert
    const columns = EVENT_ROW_COLUMNS.map((column) => tx`${tx(column)}`).reduce((list, item) => tx`${list}, ${item}`);
    const [row] = await tx<{ top: string | null; inserted: number }[]>`
      WITH top AS (SELECT max(event_id) AS id FROM ${tx(schema)}.events),
      inserted AS (
        INSERT INTO ${tx(schema)}.events (${columns}, updated_time)
        SELECT ${columns}, now() FROM ${tx(schema)}.raw_events
        WHERE (event_id > (SELECT id FROM top) OR (SELECT id FROM top) IS NULL) AND event_type IS NOT NULL
        RETURNING 1)
      SELECT (SELECT id FROM top) AS top, (SELECT count(*)::int FROM inserted) AS inserted`;
    return { top: row?.top ?? null, inserted: row?.inserted ?? 0 };
  }

  async function merge(
    tx: postgres.TransactionSql,
    source: postgres.PendingQuery<postgres.Row[]>,
    range: TimeRange | null,
  ): Promise<number> {
    const columns = tx([...EVENT_ROW_COLUMNS]);
    const values = EVENT_ROW_COLUMNS.map((column) => tx`s.${tx(column)}`).reduce((list, item) => tx`${list}, ${item}`);
    const updates = MERGE_SET_COLUMNS.map((column) => tx`${tx(column)} = s.${tx(column)}`).reduce((list, item) => tx`${list}, ${item}`);
    const result = await tx`
      MERGE INTO ${tx(schema)}.events AS e
      USING ${source} AS s ON e.event_id = s.event_id
        AND e.event_time BETWEEN ${range?.from ?? null}::text::timestamptz AND ${range?.to ?? null}::text::timestamptz
      WHEN MATCHED AND e.processed_time < s.processed_time THEN UPDATE SET ${updates}, updated_time = now()
      WHEN NOT MATCHED AND s.has_live THEN INSERT (${columns}, updated_time) VALUES (${values}, now())`;
    return result.count;
  }

  async function replaceDefinitions(tables: DefinitionTables): Promise<void> {
    await classified('replacing definitions', () =>
      db().begin(async (tx) => {
        for (const table of DEFINITION_TABLES) {
          await tx`DELETE FROM ${tx(schema)}.${tx(table)}`;
          const rows = tables[table];
          for (let start = 0; start < rows.length; start += DEFINITION_INSERT_CHUNK) {
            const chunk = rows.slice(start, start + DEFINITION_INSERT_CHUNK);
            const values = chunk.map(
              (row) => tx`(${row.id}, ${row.name}, ${row.description}, ${row.state}, ${row.version}::integer,
                ${row.rule}::text::jsonb, ${row.created_time}::timestamptz, ${row.created_by},
                ${row.modified_time}::timestamptz, ${row.modified_by}, now())`,
            );
            const valueList = values.reduce((list, item) => tx`${list}, ${item}`);
            await tx`INSERT INTO ${tx(schema)}.${tx(table)} (${tx([...DEFINITION_ROW_COLUMNS])}, updated_time)
              VALUES ${valueList}`;
          }
        }
      }),
    );
  }

  function check() {
    return checkWarehouse(
      {
        connect: async () => {
          const [row] = await db()`SELECT current_user AS "user", version() AS version`;
          return `connected as ${String(row?.user)} (${String(row?.version).split(' on ')[0]})`;
        },
        createSchema: async () => (await createSchema(db()), `schema "${schema}" exists`),
        createTables: () => createTables(db()),
        writeProbe: async (row) => {
          const sql = db();
          await sql`INSERT INTO ${sql(schema)}.raw_events (event_id, event_time, processed_time, device_id, source_type)
            VALUES (${row.event_id}, now(), now(), 0, 'server')`;
        },
        countProbe: async (eventId) => {
          const sql = db();
          return (await sql`SELECT event_id FROM ${sql(schema)}.raw_events WHERE event_id = ${eventId}`).length;
        },
        deleteProbe: async (eventId) => {
          const sql = db();
          await sql`DELETE FROM ${sql(schema)}.raw_events WHERE event_id = ${eventId}`;
        },
      },
      classified,
    );
  }

  async function close(): Promise<void> {
    const open = client;
    client = undefined;
    await open?.end({ timeout: 5 });
  }

  return { check, ensureTables, loadEvents, loadEventsCopyText, replaceDefinitions, close };
}
