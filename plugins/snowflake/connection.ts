// The Snowflake connection, loaded by `connect` on first use so that importing the plugin (as the
// host's registry does at start-up) does not load snowflake-sdk.
import snowflake from 'snowflake-sdk';
import type { Bind, Connection, RowStatement } from 'snowflake-sdk';
import {
  ConfigError,
  DEFINITION_ROW_COLUMNS,
  DEFINITION_TABLES,
  EVENT_ROW_COLUMNS,
  RetryableError,
  loadUnlessEmpty,
  runCheckSteps,
} from '../sdk/index.ts';
import type { DefinitionTables, DestinationConnection, DestinationContext, EventRow, LoadResult } from '../sdk/index.ts';
import { classifySnowflakeError } from './errors.ts';
import { snowflakeConnectionOptions } from './index.ts';
import type { SnowflakeDestinationConfig } from './index.ts';
import { SNOWFLAKE_DEFINITION_ROWS_PER_INSERT, SNOWFLAKE_ROWS_PER_INSERT, snowflakeSql, snowflakeTables } from './sql.ts';

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
      );
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

  async function exec(sqlText: string, binds?: Bind[] | Bind[][]): Promise<Executed> {
    const connection = await open();
    ctx.onStatement?.(sqlText);
    const work = new Promise<Executed>((resolve, reject) => {
      connection.execute({
        sqlText,
        ...(binds ? { binds: binds as never } : {}),
        complete: (err, statement: RowStatement, rows) => {
          if (err) reject(err);
          else resolve({ rows: (rows ?? []) as Record<string, unknown>[], updated: Math.max(0, statement.getNumUpdatedRows() ?? 0) });
        },
      });
    });
    return withDeadline('running a statement', work, () => drop());
  }

  function drop(): void {
    const current = session;
    session = undefined;
    void current?.then(
      (connection) => connection.destroy(() => {}),
      () => {},
    );
  }

  async function classified<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      ctx.signal?.throwIfAborted();
      return await work();
    } catch (err) {
      throw classifySnowflakeError(err, doing);
    }
  }

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

  function loadEvents(batches: AsyncIterable<EventRow[]>): Promise<LoadResult> {
    return loadUnlessEmpty(batches, async (nonEmpty) => {
      return await classified('loading events', async () => {
        const result: LoadResult = { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
        // Leftovers of a failed load would otherwise be merged now.
        await exec(sql.clearStaging);
        let pending: Bind[][] = [];
        const flush = async () => {
          if (pending.length === 0) return;
          const rows = pending;
          pending = [];
          await exec(sql.insertStaging, rows);
        };
        for await (const batch of nonEmpty) {
          ctx.signal?.throwIfAborted();
          for (const row of batch) {
            const values = EVENT_ROW_COLUMNS.map((column) => row[column]);
            for (const value of values) if (value !== null) result.bytes += Buffer.byteLength(value);
            pending.push(values);
            if (pending.length >= SNOWFLAKE_ROWS_PER_INSERT) await flush();
          }
          result.rowsStaged += batch.length;
        }
        await flush();
        result.rowsMerged = await inTransaction(async () => {
          const merged = await exec(sql.merge);
          await exec(sql.clearStaging);
          return merged.updated;
        });
        return result;
      });
    });
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

  async function check() {
    const probeId = `tributary-check-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    return runCheckSteps([
      {
        step: 'connect',
        run: () =>
          classified('connecting', async () => {
            const { rows } = await exec(sql.version);
            const row = rows[0] ?? {};
            return `connected to ${config.account} (Snowflake ${String(row.VERSION)}, role ${String(row.ROLE)}, warehouse ${String(row.WAREHOUSE)})`;
          }),
      },
      {
        step: 'create schema',
        run: () =>
          classified('creating schema', async () => {
            await exec(sql.createSchema);
            return `schema ${config.database}.${config.schema.toUpperCase()} exists`;
          }),
      },
      {
        step: 'create tables',
        run: () =>
          classified('creating tables', async () => {
            await createTables();
            return 'tables EVENTS, RAW_EVENTS and the definition tables exist';
          }),
      },
      {
        step: 'write',
        run: () =>
          classified('writing to raw_events', async () => {
            await exec(sql.probeWrite, [probeId]);
            return 'wrote a probe row to RAW_EVENTS';
          }),
      },
      {
        step: 'read back',
        run: () =>
          classified('reading raw_events', async () => {
            const { rows } = await exec(sql.probeRead, [probeId]);
            if (Number(rows[0]?.N) !== 1) throw new ConfigError('the probe row written to RAW_EVENTS could not be read back');
            return 'read the probe row back';
          }),
      },
      {
        step: 'clean up',
        run: () =>
          classified('cleaning up', async () => {
            await exec(sql.probeDelete, [probeId]);
            return 'deleted the probe row';
          }),
      },
    ]);
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
