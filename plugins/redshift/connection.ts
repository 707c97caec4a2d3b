// The Redshift Data API connection, loaded by `connect` on first use so that importing the plugin
// (as the host's registry does at start-up) does not load the AWS SDK.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zstdCompressSync } from 'node:zlib';
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
  DEFINITION_TABLES,
  PermanentError,
  RetryableError,
  checkWarehouse,
  createClassifiedRunner,
  errorMessage,
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
import { redshiftCredentials } from './credentials.ts';
import { RedshiftStatementError, classifyRedshiftError } from './errors.ts';
import type { RedshiftDestinationConfig } from './index.ts';
import { jsonLine, writeLoadFiles } from './load-files.ts';
import type { LoadFile } from './load-files.ts';
import { createS3Staging } from './s3-staging.ts';
import {
  REDSHIFT_DEFINITION_ROWS_PER_INSERT,
  REDSHIFT_MAX_SQL_BYTES,
  deviceParams,
  eventTimeRangeParams,
  redshiftSql,
  redshiftTables,
} from './sql.ts';
import type { CopySource, SqlParam } from './sql.ts';

interface Finished {
  id: string;
  description: DescribeStatementResponse;
}

export function createRedshiftConnection(config: RedshiftDestinationConfig, ctx: DestinationContext): DestinationConnection {
  const sql = redshiftSql(config.schema);
  const credentials = redshiftCredentials(config);
  const s3 = createS3Staging(config, credentials, ctx);
  let client: RedshiftDataClient | undefined;

  // Lazy. Three attempts per call (SDK default; ClientToken keeps Execute idempotent across
  // them); everything beyond is the host's retry.
  function api(): RedshiftDataClient {
    client ??= new RedshiftDataClient({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      credentials,
      maxAttempts: 3,
      // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting.
      requestHandler: {
        requestTimeout: Math.min(config.timeoutSeconds, 60) * 1000,
        connectionTimeout: 10_000,
        throwOnRequestTimeout: true,
      },
    });
    return client;
  }

  // Neither DbUser nor SecretArn: the Data API signs in as the caller's IAM identity
  // (GetClusterCredentialsWithIAM on a cluster, GetCredentials on a workgroup).
  const target = () => ({
    Database: config.database,
    ...(config.clusterIdentifier ? { ClusterIdentifier: config.clusterIdentifier } : { WorkgroupName: config.workgroupName }),
    ...(config.dbUser ? { DbUser: config.dbUser } : {}),
    ...(config.secretArn ? { SecretArn: config.secretArn } : {}),
  });
  const copySource = (manifestUrl: string): CopySource => ({
    manifestUrl,
    iamRoleArn: config.iamRoleArn,
    region: config.s3Region ?? config.region,
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
      ? await send<{ Id?: string }>(
          new BatchExecuteStatementCommand({
            ...target(),
            Sqls: sqlText,
            ...parameters,
            StatementName: 'tributary',
            ExecutionMode: 'TRANSACTION',
          }),
        )
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
        throw new RedshiftStatementError(
          `${description.Error ?? failed?.Error ?? `statement ${description.Status}`}${which}`,
          description.Status,
        );
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

  const classified = createClassifiedRunner(classifyRedshiftError, ctx.signal);

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

  /**
   * Stages `files` on S3, runs `work` with the manifest's URL, and deletes the objects whatever
   * happened. A deletion that fails is logged, not thrown: after a commit the data is safe, after
   * a failure the load's own error is the one to report, and a lifecycle rule on the prefix
   * removes what is left.
   */
  async function withStagedFiles<T>(files: readonly LoadFile[], work: (manifestUrl: string) => Promise<T>): Promise<T> {
    const keys: string[] = [];
    try {
      return await work(await s3.upload(files, keys));
    } finally {
      if (keys.length > 0) {
        await s3
          .remove(keys)
          .catch((err: unknown) =>
            ctx.logger.warn('could not delete the load files from S3', { error: errorMessage(err).slice(0, 200), objects: keys.length }),
          );
      }
    }
  }

  /**
   * Writes the window as zstd JSON-lines files on local disk, uploads them to S3, and sends ONE
   * BatchExecuteStatement (COPY, the bounded merge, TRUNCATE; see sql.load): a constant number of
   * Data API calls whatever the row count, plus DescribeStatement polls.
   */
  function loadEvents(batches: AsyncIterable<EventRow[]>, options: LoadOptions = {}): Promise<LoadResult> {
    const devices = options.deleteDeviceIds ?? [];
    if (devices.length > 1000) throw new PermanentError(`a load deletes at most 1,000 devices; this one names ${devices.length}`);
    return loadUnlessEmpty(
      batches,
      async (nonEmpty) => {
        return await classified('loading events', async () => {
          const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-redshift-'));
          try {
            const written = await writeLoadFiles(nonEmpty, dir, config.filesPerLoad);
            if (written.rows === 0) {
              // a deletion request and nothing to load: one statement in its own transaction
              const deleted = await run([sql.deleteDevices(devices.length)], deviceParams(devices));
              return {
                rowsStaged: 0,
                rowsMerged: 0,
                bytes: 0,
                rowsDeleted: Math.max(0, deleted.description.SubStatements?.[0]?.ResultRows ?? 0),
              };
            }
            return await withStagedFiles(written.files, async (manifestUrl) => {
              const loaded = await run(sql.load(copySource(manifestUrl), devices.length), [
                ...eventTimeRangeParams(written.eventTimeRange),
                ...deviceParams(devices),
              ]);
              return {
                rowsStaged: written.rows,
                rowsMerged: Math.max(0, loaded.description.SubStatements?.[sql.loadInsertIndex(devices.length)]?.ResultRows ?? 0),
                bytes: written.bytes,
                mergedEventTimeRange: written.eventTimeRange,
                ...(devices.length > 0 ? { rowsDeleted: Math.max(0, loaded.description.SubStatements?.[1]?.ResultRows ?? 0) } : {}),
              };
            });
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        });
      },
      options,
    );
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

  function check() {
    const where = config.clusterIdentifier ? `cluster ${config.clusterIdentifier}` : `workgroup ${config.workgroupName}`;
    const probe = (eventId: string) => [{ name: 'probe', value: eventId }];
    return checkWarehouse(
      {
        connect: async () => {
          const [row] = await query(sql.version);
          return `connected to ${where}, database ${config.database} as ${fieldText(row?.db_user)} (${fieldText(row?.version).slice(0, 60)})`;
        },
        createSchema: async () => (await run(sql.createSchema), `schema ${config.schema} exists`),
        createTables: () => createTables(),
        writeProbe: async (row) => {
          // The load's own path: a file on S3, read by COPY with the IAM role.
          const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-redshift-'));
          try {
            const content = zstdCompressSync(jsonLine(row));
            const file: LoadFile = { name: 'check.json.zst', path: path.join(dir, 'check.json.zst'), bytes: content.length, rows: 1 };
            await writeFile(file.path, content);
            await withStagedFiles([file], (manifestUrl) => run(sql.copy(copySource(manifestUrl))));
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
          return `loaded a probe row into raw_events with COPY from s3://${config.s3Bucket}/${config.s3Prefix} (IAM role ${config.iamRoleArn})`;
        },
        countProbe: async (eventId) => Number(fieldText((await query(sql.probeRead, probe(eventId)))[0]?.n)),
        deleteProbe: async (eventId) => void (await run(sql.probeDelete, probe(eventId))),
      },
      classified,
    );
  }

  async function close(): Promise<void> {
    client?.destroy();
    client = undefined;
    s3.close();
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
