// The Redshift Data API connection, loaded by `connect` on first use so that importing the plugin
// (as the host's registry does at start-up) does not load the AWS SDK.
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import type { DescribeStatementResponse, Field } from '@aws-sdk/client-redshift-data';
import {
  ConfigError,
  DEFINITION_TABLES,
  EVENT_ROW_COLUMNS,
  PermanentError,
  RetryableError,
  loadUnlessEmpty,
  runCheckSteps,
} from '../sdk/index.ts';
import type { DefinitionTables, DestinationConnection, DestinationContext, EventRow, LoadResult } from '../sdk/index.ts';
import { RedshiftStatementError, classifyRedshiftError } from './errors.ts';
import type { RedshiftDestinationConfig } from './index.ts';
import { REDSHIFT_DEFINITION_ROWS_PER_INSERT, REDSHIFT_MAX_SQL_BYTES, REDSHIFT_ROWS_PER_INSERT, redshiftSql, redshiftTables } from './sql.ts';
import type { SqlParam } from './sql.ts';

interface Finished {
  id: string;
  description: DescribeStatementResponse;
}

export function createRedshiftConnection(config: RedshiftDestinationConfig, ctx: DestinationContext): DestinationConnection {
  const sql = redshiftSql(config.schema);
  let client: RedshiftDataClient | undefined;

  // Lazy, and never the default credential chain: explicit keys only, so the SDK never probes the
  // instance-metadata address. Three attempts per call (SDK default; ClientToken keeps Execute
  // idempotent across them); everything beyond is the host's retry.
  function api(): RedshiftDataClient {
    client ??= new RedshiftDataClient({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      credentials: {
        accessKeyId: config.accessKeyId,
        secretAccessKey: config.secretAccessKey,
        ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
      },
      maxAttempts: 3,
      // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
      requestHandler: { requestTimeout: Math.min(config.timeoutSeconds, 60) * 1000, connectionTimeout: 10_000, throwOnRequestTimeout: true },
    });
    return client;
  }

  const target = () => ({
    Database: config.database,
    ...(config.clusterIdentifier ? { ClusterIdentifier: config.clusterIdentifier } : { WorkgroupName: config.workgroupName }),
    ...(config.dbUser ? { DbUser: config.dbUser } : {}),
    ...(config.secretArn ? { SecretArn: config.secretArn } : {}),
  });

  async function send<T>(command: { input: unknown }): Promise<T> {
    ctx.signal?.throwIfAborted();
    return (await api().send(command as never, ctx.signal ? { abortSignal: ctx.signal } : {})) as T;
  }

  // Submits one statement (or a transactional batch) and polls DescribeStatement with capped
  // exponential backoff until it ends.
  async function run(sqlText: string | string[], params: SqlParam[] = []): Promise<Finished> {
    const batch = Array.isArray(sqlText);
    for (const text of batch ? sqlText : [sqlText]) {
      if (Buffer.byteLength(text) > REDSHIFT_MAX_SQL_BYTES) {
        throw new PermanentError(`a statement of ${Buffer.byteLength(text)} bytes exceeds the Data API limit of 100 kB`);
      }
      ctx.onStatement?.(text);
    }
    const parameters = params.length > 0 ? { Parameters: params } : {};
    const submitted = batch
      ? await send<{ Id?: string }>(new BatchExecuteStatementCommand({ ...target(), Sqls: sqlText, ...parameters, StatementName: 'tributary' }))
      : await send<{ Id?: string }>(new ExecuteStatementCommand({ ...target(), Sql: sqlText, ...parameters, StatementName: 'tributary' }));
    const id = submitted.Id;
    if (!id) throw new RetryableError('the Data API accepted a statement without returning its id');
    const deadline = Date.now() + config.timeoutSeconds * 1000;
    let delay = config.pollInitialMs;
    for (;;) {
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, config.pollMaxMs);
      const description = await send<DescribeStatementResponse>(new DescribeStatementCommand({ Id: id }));
      if (description.Status === 'FINISHED') return { id, description };
      if (description.Status === 'FAILED' || description.Status === 'ABORTED') {
        const failed = description.SubStatements?.find((sub) => sub.Status === 'FAILED');
        const which = failed && batch ? ` (statement ${failed.Id?.split(':').pop()} of ${sqlText.length} in the transaction)` : '';
        throw new RedshiftStatementError(`${description.Error ?? failed?.Error ?? `statement ${description.Status}`}${which}`, description.Status);
      }
      if (Date.now() > deadline) {
        await send(new CancelStatementCommand({ Id: id })).catch(() => {});
        throw new RetryableError(`statement ${id} still ${description.Status} after ${config.timeoutSeconds} s; cancelled`);
      }
    }
  }

  // Runs a query and reads every page of its result (GetStatementResult with NextToken).
  async function query(sqlText: string, params: SqlParam[] = []): Promise<Record<string, Field>[]> {
    const { id, description } = await run(sqlText, params);
    if (!description.HasResultSet) return [];
    const rows: Record<string, Field>[] = [];
    let nextToken: string | undefined;
    do {
      const page = await send<{ ColumnMetadata?: { name?: string }[]; Records?: Field[][]; NextToken?: string }>(
        new GetStatementResultCommand({ Id: id, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      const names = (page.ColumnMetadata ?? []).map((column) => column.name ?? '');
      for (const record of page.Records ?? []) rows.push(Object.fromEntries(record.map((field, i) => [names[i] ?? String(i), field])));
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  async function classified<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      ctx.signal?.throwIfAborted();
      return await work();
    } catch (err) {
      throw classifyRedshiftError(err, doing);
    }
  }

  async function createTables(): Promise<void> {
    const listed = await query(sql.listColumns, [{ name: 'schema', value: config.schema }]);
    const present = new Set(listed.map((row) => `${fieldText(row.table_name)}.${fieldText(row.column_name)}`));
    const tables = redshiftTables();
    const missing = tables.filter(({ name }) => ![...present].some((key) => key.startsWith(`${name}.`)));
    if (missing.length > 0) {
      // One transaction: a half-created set of tables is never left behind.
      await run([sql.createSchema, ...missing.map(({ name, columns, attributes }) => sql.createTable(name, columns, attributes))]);
    }
    const additions = tables
      .filter(({ name }) => !missing.some((m) => m.name === name))
      .flatMap(({ name, columns }) =>
        Object.entries(columns)
          .filter(([column]) => !present.has(`${name}.${column}`))
          .map(([column, type]) => sql.addColumn(name, column, type)),
      );
    // Redshift's ALTER TABLE ADD COLUMN cannot run inside a transaction block: one call each.
    for (const statement of additions) await run(statement);
  }

  async function ensureTables(): Promise<void> {
    await classified('creating tables', createTables);
  }

  function loadEvents(batches: AsyncIterable<EventRow[]>): Promise<LoadResult> {
    return loadUnlessEmpty(batches, async (nonEmpty) => {
      return await classified('loading events', async () => {
        const result: LoadResult = { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
        await run(sql.clearStaging);
        let pending: EventRow[] = [];
        const flush = async () => {
          if (pending.length === 0) return;
          const { sql: text, params } = sql.insertStaging(pending);
          pending = [];
          await run(text, params);
        };
        for await (const batch of nonEmpty) {
          for (const row of batch) {
            for (const column of EVENT_ROW_COLUMNS) {
              const value = row[column];
              if (value !== null) result.bytes += Buffer.byteLength(value);
            }
            pending.push(row);
            if (pending.length >= REDSHIFT_ROWS_PER_INSERT) await flush();
          }
          result.rowsStaged += batch.length;
        }
        await flush();
        const merged = await run(sql.merge);
        result.rowsMerged = merged.description.SubStatements?.[sql.mergeInsertIndex]?.ResultRows ?? 0;
        return result;
      });
    });
  }

  async function replaceDefinitions(tables: DefinitionTables): Promise<void> {
    await classified('replacing definitions', async () => {
      const statements: string[] = [];
      const params: SqlParam[] = [];
      let offset = 0;
      for (const name of DEFINITION_TABLES) {
        statements.push(sql.clearDefinitions(name));
        const rows = tables[name];
        for (let start = 0; start < rows.length; start += REDSHIFT_DEFINITION_ROWS_PER_INSERT) {
          const part = rows.slice(start, start + REDSHIFT_DEFINITION_ROWS_PER_INSERT);
          const insert = sql.insertDefinitions(name, part, offset);
          offset += part.length;
          statements.push(insert.sql);
          params.push(...insert.params);
        }
      }
      // BatchExecuteStatement takes at most 40 statements: the three tables in one transaction.
      if (statements.length > 40) {
        throw new PermanentError(`${offset} definitions need ${statements.length} statements; one Data API transaction takes at most 40`);
      }
      await run(statements, params);
    });
  }

  async function check() {
    const probe = [{ name: 'probe', value: `tributary-check-${Date.now()}-${Math.random().toString(36).slice(2)}` }];
    const where = config.clusterIdentifier ? `cluster ${config.clusterIdentifier}` : `workgroup ${config.workgroupName}`;
    return runCheckSteps([
      {
        step: 'connect',
        run: () =>
          classified('connecting', async () => {
            const [row] = await query(sql.version);
            return `connected to ${where}, database ${config.database} as ${fieldText(row?.db_user)} (${fieldText(row?.version).slice(0, 60)})`;
          }),
      },
      {
        step: 'create schema',
        run: () =>
          classified('creating schema', async () => {
            await run(sql.createSchema);
            return `schema ${config.schema} exists`;
          }),
      },
      {
        step: 'create tables',
        run: () =>
          classified('creating tables', async () => {
            await createTables();
            return 'tables events, raw_events and the definition tables exist';
          }),
      },
      {
        step: 'write',
        run: () =>
          classified('writing to raw_events', async () => {
            await run(sql.probeWrite, probe);
            return 'wrote a probe row to raw_events';
          }),
      },
      {
        step: 'read back',
        run: () =>
          classified('reading raw_events', async () => {
            const [row] = await query(sql.probeRead, probe);
            if (Number(fieldText(row?.n)) !== 1) throw new ConfigError('the probe row written to raw_events could not be read back');
            return 'read the probe row back';
          }),
      },
      {
        step: 'clean up',
        run: () =>
          classified('cleaning up', async () => {
            await run(sql.probeDelete, probe);
            return 'deleted the probe row';
          }),
      },
    ]);
  }

  async function close(): Promise<void> {
    client?.destroy();
    client = undefined;
  }

  return { check, ensureTables, loadEvents, replaceDefinitions, close };
}

function fieldText(field: Field | undefined): string {
  if (!field || field.isNull) return '';
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return String(field.longValue);
  if (field.doubleValue !== undefined) return String(field.doubleValue);
  if (field.booleanValue !== undefined) return String(field.booleanValue);
  return '';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new RetryableError('aborted by the host'));
      },
      { once: true },
    );
  });
}
