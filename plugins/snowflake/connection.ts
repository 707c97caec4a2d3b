// The Snowflake connection, loaded by `connect` on first use so that importing the plugin (as the
// host's registry does at start-up) does not load snowflake-sdk.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snowflake from 'snowflake-sdk';
import type { Bind, Connection, RowStatement } from 'snowflake-sdk';
import {
  DEFINITION_ROW_COLUMNS,
  DEFINITION_TABLES,
  PermanentError,
  RetryableError,
  checkWarehouse,
  createClassifiedRunner,
  loadUnlessEmpty,
} from '@tributary/destination-sdk';
import type {
  DefinitionTables,
  DestinationConnection,
  DestinationContext,
  EventRow,
  LoadOptions,
  LoadResult,
} from '@tributary/destination-sdk';
import { classifySnowflakeError } from './errors.ts';
import { snowflakeConnectionOptions } from './index.ts';
import type { SnowflakeDestinationConfig } from './index.ts';
import { writeStagedFiles } from './staged-files.ts';
import type { StagedFiles } from './staged-files.ts';
import { SNOWFLAKE_DEFINITION_ROWS_PER_INSERT, snowflakeSql, snowflakeTables } from './sql.ts';

// The SDK logs to the console by default; the plugin reports through the host's logger instead.
let sdkConfigured = false;
function configureSdk(): void {
  if (sdkConfigured) return;
  sdkConfigured = true;
  snowflake.configure({ logLevel: 'OFF' });
}

interface Executed {
  rows: Record<string, unknown>[];
  /** `getNumUpdatedRows()`: summed "number of rows …" columns of a DML statement. */
  updated: number;
}

function run(connection: Connection, sqlText: string, binds?: Bind[]): Promise<Executed> {
  return new Promise<Executed>((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds ? { binds } : {}),
      complete: (err, statement: RowStatement, rows) => {
        if (err) reject(err);
        else resolve({ rows: (rows ?? []) as Record<string, unknown>[], updated: Math.max(0, statement.getNumUpdatedRows() ?? 0) });
      },
    });
  });
}

/** A result column by name, whatever its case (COPY and PUT name theirs in lower or camel case). */
function resultColumn(row: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(row).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : row[key];
}

/** Creates the connection `connect` returns (loaded lazily with snowflake-sdk). */
export function createSnowflakeConnection(config: SnowflakeDestinationConfig, ctx: DestinationContext): DestinationConnection {
  configureSdk();
  const sql = snowflakeSql(config.schema);
  let session: Promise<Connection> | undefined;

  // Lazy: nothing is sent until an operation needs Snowflake, so an empty sync wakes nothing.
  function open(): Promise<Connection> {
    if (!session) {
      ctx.onStatement?.(`login ${config.username}@${config.account}`);
      const connection = snowflake.createConnection(snowflakeConnectionOptions(config));
      // connect(callback), not connectAsync(): the latter resolves even when the login fails.
      const connecting = new Promise<Connection>((resolve, reject) =>
        connection.connect((err) => (err ? reject(err) : resolve(connection))),
      ).then(async (connected) => {
        // Before anything else: the statements below are written against these settings.
        const alterSession = sql.alterSession(config.timeoutSeconds);
        ctx.onStatement?.(alterSession);
        try {
          await run(connected, alterSession);
        } catch (err) {
          connected.destroy(() => {});
          throw err;
        }
        return connected;
      });
      session = withDeadline('logging in', connecting, () => connection.destroy(() => {}));
      session.catch(() => {
        session = undefined;
      });
    }
    return session;
  }

  // snowflake-sdk retries 5xx, 429 and network errors of a query-request by itself (7 times, up
  // to 16 s apart, not configurable) with the same requestId, which Snowflake answers without
  // executing twice. Past timeoutSeconds the plugin gives up: the session is dropped (Snowflake
  // rolls back its open transaction) and the host retries the whole load later.
  function withDeadline<T>(doing: string, work: Promise<T>, onTimeout: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        onTimeout();
        reject(new RetryableError(`${doing}: no answer from Snowflake within ${config.timeoutSeconds} s`));
      }, config.timeoutSeconds * 1000);
      const abort = () => {
        clearTimeout(timer);
        onTimeout();
        reject(new RetryableError(`${doing}: aborted by the host`));
      };
      ctx.signal?.addEventListener('abort', abort, { once: true });
      work.then(
        (value) => {
          clearTimeout(timer);
          ctx.signal?.removeEventListener('abort', abort);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          ctx.signal?.removeEventListener('abort', abort);
          reject(err);
        },
      );
    });
  }

  async function exec(sqlText: string, binds?: Bind[]): Promise<Executed> {
    const connection = await open();
    ctx.onStatement?.(sqlText);
    return withDeadline('running a statement', run(connection, sqlText, binds), () => drop());
  }

  function drop(): void {
    const current = session;
    session = undefined;
    void current?.then(
      (connection) => connection.destroy(() => {}),
      () => {},
    );
  }

  const classified = createClassifiedRunner(classifySnowflakeError, ctx.signal);

  async function inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await exec(sql.begin);
    try {
      const result = await work();
      await exec(sql.commit);
      return result;
    } catch (err) {
      // Best effort: if the session is gone, Snowflake rolls the transaction back when it ends.
      await exec(sql.rollback).catch(() => drop());
      throw err;
    }
  }

  async function createTables(): Promise<void> {
    const listed = await exec(sql.listColumns, [config.schema.toUpperCase()]);
    const present = new Set(listed.rows.map((row) => `${String(row.TABLE_NAME).toLowerCase()}.${String(row.COLUMN_NAME).toLowerCase()}`));
    const tables = snowflakeTables();
    const missingTables = tables.filter(([name]) => ![...present].some((key) => key.startsWith(`${name}.`)));
    if (missingTables.length > 0) await exec(sql.createSchema);
    for (const [name, columns] of missingTables) await exec(sql.createTable(name, columns));
    // Tables created by an older version of the plugin get the columns added since.
    for (const [name, columns] of tables) {
      if (missingTables.some(([missing]) => missing === name)) continue;
      for (const [column, type] of Object.entries(columns)) {
        if (!present.has(`${name}.${column}`)) await exec(sql.addColumn(name, column, type));
      }
    }
  }

  async function ensureTables(): Promise<void> {
    await classified('creating tables', createTables);
  }

  // Writes the rows to zstd files in a folder of its own, then PUT → COPY → MERGE: the same
  // statements whatever the row count. The folder is removed whatever happens.
  async function withStagedFiles<T>(
    batches: AsyncIterable<EventRow[]>,
    work: (staged: StagedFiles, folder: string) => Promise<T>,
  ): Promise<T> {
    const folder = await mkdtemp(join(tmpdir(), 'tributary-snowflake-'));
    try {
      // The folder goes into the PUT's quoted file URI.
      if (folder.includes("'"))
        throw new PermanentError(`the temporary folder ${folder} has a quote in its path; set TMPDIR to a plain path`);
      const staged = await writeStagedFiles(batches, folder, config.fileSizeMb * 1024 * 1024, () => ctx.signal?.throwIfAborted());
      return await work(staged, folder);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  /** PUTs the files to the table stage under a fresh prefix and COPYs them into `raw_events`. */
  async function stageAndCopy(staged: StagedFiles, folder: string): Promise<void> {
    const prefix = randomUUID();
    const put = await exec(sql.put(folder, prefix));
    const uploaded = put.rows.filter((row) => resultColumn(row, 'status') === 'UPLOADED').length;
    if (uploaded !== staged.files.length) {
      throw new RetryableError(`uploading to the RAW_EVENTS stage: ${uploaded} of ${staged.files.length} files uploaded`);
    }
    const copied = await exec(sql.copy(prefix));
    const loaded = copied.rows.reduce((sum, row) => sum + Number(resultColumn(row, 'rows_loaded') ?? 0), 0);
    if (loaded !== staged.rows) {
      const status = copied.rows.map((row) => String(resultColumn(row, 'status'))).join(', ');
      throw new PermanentError(`COPY INTO raw_events loaded ${loaded} of ${staged.rows} staged rows (${status})`);
    }
  }

  function loadEvents(batches: AsyncIterable<EventRow[]>, options: LoadOptions = {}): Promise<LoadResult> {
    const devices = options.deleteDeviceIds ?? [];
    return loadUnlessEmpty(
      batches,
      (nonEmpty) =>
        classified('loading events', () =>
          withStagedFiles(nonEmpty, async (staged, folder) => {
            if (staged.rows === 0) {
              // a deletion request and nothing to load
              const rowsDeleted = await inTransaction(() => deleteDevices(devices));
              return { rowsStaged: 0, rowsMerged: 0, bytes: 0, rowsDeleted };
            }
            // Leftovers of a failed load (rows copied but not merged, files put but not copied)
            // would otherwise be merged now, or stay in the stage.
            await exec(sql.clearStaging);
            await exec(sql.removeStaged);
            await stageAndCopy(staged, folder);
            const { from, to } = staged.eventTimeRange;
            const done = await inTransaction(async () => {
              // deletion requests first: the load's own rows of those devices came after them
              const deleted = await deleteDevices(devices);
              const merged = await exec(sql.merge, [from, to]);
              await exec(sql.clearStaging);
              return { merged: merged.updated, deleted };
            });
            return {
              rowsStaged: staged.rows,
              rowsMerged: done.merged,
              bytes: staged.bytes,
              mergedEventTimeRange: { from, to },
              ...(devices.length > 0 ? { rowsDeleted: done.deleted } : {}),
            };
          }),
        ),
      options,
    );
  }

  /** Deletes every row of these devices from `events` (in the caller's transaction); returns how many. */
  async function deleteDevices(devices: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < devices.length; start += 1_000) {
      const part = devices.slice(start, start + 1_000);
      deleted += (await exec(sql.deleteDevices(part.length), [...part])).updated;
    }
    return deleted;
  }

  async function replaceDefinitions(tables: DefinitionTables): Promise<void> {
    await classified('replacing definitions', () =>
      inTransaction(async () => {
        for (const name of DEFINITION_TABLES) {
          await exec(sql.clearDefinitions(name));
          const rows = tables[name];
          for (let start = 0; start < rows.length; start += SNOWFLAKE_DEFINITION_ROWS_PER_INSERT) {
            const part = rows.slice(start, start + SNOWFLAKE_DEFINITION_ROWS_PER_INSERT);
            const binds = part.flatMap((row) => DEFINITION_ROW_COLUMNS.map((column) => String(row[column])));
            await exec(sql.insertDefinitions(name, part.length), binds);
          }
        }
      }),
    );
  }

  function check() {
    return checkWarehouse(
      {
        connect: async () => {
          const row = (await exec(sql.version)).rows[0] ?? {};
          return `connected to ${config.account} (Snowflake ${String(row.VERSION)}, role ${String(row.ROLE)}, warehouse ${String(row.WAREHOUSE)})`;
        },
        createSchema: async () => (await exec(sql.createSchema), `schema ${config.database}.${config.schema.toUpperCase()} exists`),
        createTables: async () => (await createTables(), 'tables EVENTS, RAW_EVENTS and the definition tables exist'),
        writeProbe: async (row) => {
          // the load's own path: a staged file, COPY INTO
          await withStagedFiles(
            (async function* () {
              yield [row];
            })(),
            stageAndCopy,
          );
          return 'put a probe file on the RAW_EVENTS stage and loaded it with COPY INTO';
        },
        countProbe: async (eventId) => Number((await exec(sql.probeRead, [eventId])).rows[0]?.N),
        deleteProbe: async (eventId) => void (await exec(sql.probeDelete, [eventId])),
      },
      classified,
    );
  }

  async function close(): Promise<void> {
    const current = session;
    session = undefined;
    if (!current) return;
    const connection = await current.catch(() => undefined);
    if (!connection) return;
    // Deletes the session (POST /session?delete=true); Snowflake rolls back anything left open.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      connection.destroy(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  return { check, ensureTables, loadEvents, replaceDefinitions, close };
}
