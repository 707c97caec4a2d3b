// The BigQuery connection, loaded by `connect` on first use so that importing the plugin (as the
// host's registry does at start-up) does not load @google-cloud/bigquery.
import { randomUUID } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import type { Dataset, Job, Query, Table } from '@google-cloud/bigquery';
import type { AuthClient } from 'google-auth-library';
import { DEFINITION_TABLES, RetryableError, checkWarehouse, createClassifiedRunner, loadUnlessEmpty } from '@tributary/destination-sdk';
import type {
  DefinitionTables,
  DestinationConnection,
  DestinationContext,
  EventRow,
  LoadOptions,
  LoadResult,
} from '@tributary/destination-sdk';
import { createAuthClient } from './auth.ts';
import { bigqueryErrorDetails, classifyBigqueryError } from './errors.ts';
import { definitionLine, eventLine } from './ndjson.ts';
import type { BigqueryDestinationConfig, BigqueryPluginOptions } from './index.ts';
import {
  BIGQUERY_TABLES,
  DELETE_DEVICES_PARAM,
  MERGE_RANGE_PARAMS,
  deleteAndMergeSql,
  mergeSql,
  probeCountSql,
  probeDeleteSql,
  replaceDefinitionsSql,
  tableOptions,
  tableSchema,
  truncateSql,
} from './sql.ts';
import type { BigqueryTable } from './sql.ts';
import { DEFAULT_CHUNK_BYTES, ResumableUpload } from './upload.ts';

interface QueryOutcome {
  rows: Record<string, unknown>[];
  numDmlAffectedRows: number;
}

/** Writes NDJSON text into a running load; returns a promise only when the caller must wait for the upload. */
type LoadWriter = (text: string) => Promise<void> | undefined;

export function createBigqueryConnection(
  config: BigqueryDestinationConfig,
  ctx: DestinationContext,
  options: BigqueryPluginOptions,
): DestinationConnection {
  const { projectId, datasetId, location } = config;
  let client: Promise<{ bigquery: BigQuery; auth: AuthClient }> | undefined;

  // Built on first use: connecting sends nothing, and a sign-in that is not allowed fails the
  // first operation (a config error the check reports on its first step).
  function connected(): Promise<{ bigquery: BigQuery; auth: AuthClient }> {
    client ??= (async () => {
      const auth = options.authClient ?? (await createAuthClient(config, { allowHostCredentials: options.allowHostCredentials }));
      const bigquery = new BigQuery({
        projectId,
        location,
        apiEndpoint: config.apiEndpoint,
        authClient: auth,
        // The host owns retries: one attempt per request, failures are classified and thrown.
        autoRetry: false,
        maxRetries: 0,
        // Read by @google-cloud/common's Service, though BigQueryOptions does not declare it.
        ...({ timeout: config.requestTimeoutMs } as object),
      });
      return { bigquery, auth };
    })();
    client.catch(() => {
      client = undefined;
    });
    return client;
  }

  const bigquery = async (): Promise<BigQuery> => (await connected()).bigquery;
  const dataset = async (): Promise<Dataset> => (await bigquery()).dataset(datasetId, { location });
  const table = async (name: BigqueryTable): Promise<Table> => (await dataset()).table(name, { location });

  const classified = createClassifiedRunner(classifyBigqueryError, ctx.signal);

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(new RetryableError('the host aborted the operation'));
        },
        { once: true },
      );
    });
  }

  // @google-cloud/bigquery 8 sends requests through teeny-request on node-fetch 3, which ignores
  // the `timeout` option, so every request is raced against its own deadline here. A request
  // left behind is abandoned (the host retries the whole operation, which is idempotent).
  function timed<T>(request: Promise<T>, what: string, ms = config.requestTimeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RetryableError(`${what} timed out after ${ms} ms`)), ms);
    });
    return Promise.race([request, deadline]).finally(() => clearTimeout(timer));
  }

  function jobFailure(status: { errorResult?: { message?: string; reason?: string }; errors?: unknown[] }): Error {
    const error = new Error(status.errorResult?.message ?? 'the job failed') as Error & { errors: unknown[] };
    error.errors = status.errors?.length ? status.errors : [status.errorResult];
    return error;
  }

  // Polls jobs.get until the job is DONE (BigQuery jobs are asynchronous), then throws its error.
  async function waitForJob(job: Job): Promise<void> {
    let interval = options.pollIntervalMs ?? 200;
    let metadata = job.metadata as { status?: { state?: string; errorResult?: { message?: string } } } | undefined;
    while (metadata?.status?.state !== 'DONE') {
      await sleep(interval);
      interval = Math.min(interval * 2, 2_000);
      [metadata] = await timed(job.getMetadata(), 'jobs.get');
    }
    if (metadata.status?.errorResult) throw jobFailure(metadata.status);
  }

  // Runs one query job (jobs.insert) and reads its results with jobs.getQueryResults, which
  // BigQuery holds open until the job completes (jobComplete:false means "ask again").
  async function runQueryJob(sql: string, params?: Record<string, unknown>): Promise<QueryOutcome> {
    ctx.onStatement?.(sql);
    const bq = await bigquery();
    const [job] = await timed(
      bq.createQueryJob({ query: sql, location, params, jobPrefix: 'tributary_', useLegacySql: false } as Query),
      'jobs.insert',
    );
    const rows: Record<string, unknown>[] = [];
    let pageToken: string | undefined;
    for (;;) {
      ctx.signal?.throwIfAborted();
      // BigQuery holds getQueryResults up to 10 s while the job runs, within the request deadline.
      const [page, , response] = await timed(job.getQueryResults({ autoPaginate: false, pageToken }), 'jobs.getQueryResults');
      const answer = response as { jobComplete?: boolean; pageToken?: string; numDmlAffectedRows?: string } | undefined;
      if (answer?.jobComplete === false) continue;
      rows.push(...(page as Record<string, unknown>[]));
      if (answer?.pageToken) {
        pageToken = answer.pageToken;
        continue;
      }
      return { rows, numDmlAffectedRows: Number(answer?.numDmlAffectedRows ?? 0) };
    }
  }

  /**
   * One load job into a table, its NEWLINE_DELIMITED_JSON data streamed through a resumable
   * upload while `produce` writes it: nothing is kept on disk and memory holds a few upload
   * chunks. Until the last chunk is sent no job exists, so a failure of `produce` loads nothing.
   */
  async function load(
    name: BigqueryTable,
    writeDisposition: 'WRITE_TRUNCATE' | 'WRITE_APPEND',
    produce: (write: LoadWriter) => Promise<void>,
  ): Promise<{ bytes: number }> {
    ctx.onStatement?.(`LOAD ${projectId}.${datasetId}.${name} NEWLINE_DELIMITED_JSON ${writeDisposition} (resumable upload)`);
    const doing = `loading ${name}`;
    const { bigquery: bq, auth } = await classified(doing, connected);
    const jobId = `tributary_load_${randomUUID()}`;
    const upload = new ResumableUpload({
      apiEndpoint: bq.apiEndpoint,
      projectId,
      job: {
        jobReference: { projectId, jobId, location },
        configuration: {
          load: {
            destinationTable: { projectId, datasetId, tableId: name },
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            writeDisposition,
            createDisposition: 'CREATE_NEVER',
            schema: { fields: tableSchema(name) },
            maxBadRecords: 0,
            ignoreUnknownValues: false,
          },
        },
      },
      transport: async ({ url, method, headers, body, signal }) => {
        const response = await auth.request<string>({
          url,
          method,
          headers,
          data: body,
          signal,
          responseType: 'text',
          // Every answer is the upload's to read (308 is "resume incomplete", not a redirect).
          validateStatus: () => true,
          redirect: 'manual',
          retry: false,
        });
        return { status: response.status, header: (name) => response.headers.get(name), text: response.data ?? '' };
      },
      chunkBytes: options.uploadChunkBytes ?? DEFAULT_CHUNK_BYTES,
      requestTimeoutMs: config.requestTimeoutMs,
      signal: ctx.signal,
    });
    // The producer's own failures (the host's source) pass through unclassified.
    await produce((text) => {
      try {
        return upload.write(text)?.catch((err: unknown) => {
          throw classifyBigqueryError(err, doing);
        });
      } catch (err) {
        throw classifyBigqueryError(err, doing);
      }
    });
    await classified(doing, async () => {
      const resource = await upload.finish();
      const job = bq.job(jobId, { location });
      job.metadata = resource;
      await waitForJob(job);
    });
    return { bytes: upload.bytes };
  }

  async function ensureDataset(): Promise<void> {
    ctx.onStatement?.(`GET dataset ${projectId}.${datasetId}`);
    try {
      await timed((await dataset()).getMetadata(), 'datasets.get');
      return;
    } catch (err) {
      if (bigqueryErrorDetails(err).status !== 404) throw err;
    }
    ctx.onStatement?.(`CREATE dataset ${projectId}.${datasetId} (location ${location})`);
    try {
      await timed((await bigquery()).createDataset(datasetId, { location }), 'datasets.insert');
    } catch (err) {
      if (bigqueryErrorDetails(err).status !== 409) throw err; // created concurrently
    }
  }

  async function ensureTable(name: BigqueryTable): Promise<void> {
    const wanted = tableSchema(name);
    ctx.onStatement?.(`GET table ${projectId}.${datasetId}.${name}`);
    let existing: { schema?: { fields?: { name: string }[] } } | undefined;
    try {
      [existing] = await timed((await table(name)).getMetadata(), 'tables.get');
    } catch (err) {
      if (bigqueryErrorDetails(err).status !== 404) throw err;
    }
    if (!existing) {
      ctx.onStatement?.(`CREATE table ${projectId}.${datasetId}.${name}`);
      try {
        await timed((await dataset()).createTable(name, { schema: { fields: wanted }, ...tableOptions(name) }), 'tables.insert');
      } catch (err) {
        if (bigqueryErrorDetails(err).status !== 409) throw err;
      }
      return;
    }
    // A table created by an older version of the plugin gets the columns added since (a new
    // column must be NULLABLE in BigQuery).
    const present = existing.schema?.fields ?? [];
    const names = new Set(present.map((f) => f.name));
    const missing = wanted.filter((f) => !names.has(f.name)).map((f) => ({ ...f, mode: 'NULLABLE' as const }));
    if (missing.length === 0) return;
    ctx.onStatement?.(`PATCH table ${projectId}.${datasetId}.${name} add ${missing.map((f) => f.name).join(', ')}`);
    await timed((await table(name)).setMetadata({ schema: { fields: [...present, ...missing] } }), 'tables.patch');
  }

  async function createTables(): Promise<void> {
    for (const name of BIGQUERY_TABLES) await ensureTable(name);
  }

  async function ensureTables(): Promise<void> {
    await classified('creating the dataset and tables', async () => {
      await ensureDataset();
      await createTables();
    });
  }

  function loadEvents(batches: AsyncIterable<EventRow[]>, options: LoadOptions = {}): Promise<LoadResult> {
    const devices = options.deleteDeviceIds ?? [];
    return loadUnlessEmpty(
      batches,
      async (nonEmpty) => {
        const result: LoadResult = { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
        const iterator = nonEmpty[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done) {
          // A deletion request and nothing to load: one script, no upload.
          const done = await deleteDevicesAndMerge(devices);
          return { ...result, rowsDeleted: done.deleted };
        }
        const rows = (async function* () {
          yield first.value;
          for (;;) {
            const next = await iterator.next();
            if (next.done) return;
            yield next.value;
          }
        })();
        // The staged rows' event_time range, which bounds the MERGE. EventRow times have one fixed
        // form (six fraction digits, Z), so their text sorts like the times.
        let from = '';
        let to = '';
        // 1. One load job replaces raw_events (WRITE_TRUNCATE also drops a crashed run's leftovers).
        const loaded = await load('raw_events', 'WRITE_TRUNCATE', async (write) => {
          for await (const batch of rows) {
            ctx.signal?.throwIfAborted();
            for (const row of batch) {
              // Line by line: no batch-sized string is built (measured faster, and lighter on the heap).
              const wait = write(eventLine(row));
              if (wait) await wait;
              if (from === '' || row.event_time < from) from = row.event_time;
              if (row.event_time > to) to = row.event_time;
            }
            result.rowsStaged += batch.length;
          }
        });
        result.bytes = loaded.bytes;
        const range = {
          [MERGE_RANGE_PARAMS.from]: BigQuery.timestamp(from),
          [MERGE_RANGE_PARAMS.to]: BigQuery.timestamp(to),
        };
        if (devices.length > 0) {
          // 2'. A deletion request: one script deletes the devices' rows and merges, in one transaction.
          const done = await deleteDevicesAndMerge(devices, range);
          result.rowsMerged = done.merged;
          result.rowsDeleted = done.deleted;
        } else {
          // 2. One MERGE job, bounded to the partitions of [from, to]: atomic on its own; re-running
          //    it over the same staging changes nothing.
          const merged = await classified('merging raw_events into events', () => runQueryJob(mergeSql(projectId, datasetId), range));
          result.rowsMerged = merged.numDmlAffectedRows;
        }
        result.mergedEventTimeRange = { from, to };
        // 3. Empty staging. A crash before this leaves rows that the next load's WRITE_TRUNCATE replaces.
        await classified('clearing raw_events', () => runQueryJob(truncateSql(projectId, datasetId, 'raw_events')));
        return result;
      },
      options,
    );
  }

  /**
   * Deletes every row of `devices` from `events` and, given the window's range, merges the staged
   * rows, in one transaction; returns both counts.
   */
  async function deleteDevicesAndMerge(
    devices: readonly string[],
    range?: Record<string, unknown>,
  ): Promise<{ deleted: number; merged: number }> {
    const outcome = await classified('deleting devices and merging raw_events into events', () =>
      runQueryJob(deleteAndMergeSql(projectId, datasetId, range !== undefined), { ...range, [DELETE_DEVICES_PARAM]: [...devices] }),
    );
    const counts = outcome.rows[0] ?? {};
    return { deleted: Number(counts.rows_deleted ?? 0), merged: Number(counts.rows_merged ?? 0) };
  }

  async function replaceDefinitions(tables: DefinitionTables): Promise<void> {
    const total = DEFINITION_TABLES.reduce((sum, name) => sum + tables[name].length, 0);
    if (total > 0) {
      await load('raw_definitions', 'WRITE_TRUNCATE', async (write) => {
        for (const name of DEFINITION_TABLES) {
          for (const row of tables[name]) await write(definitionLine(name, row));
        }
      });
    }
    await classified('replacing the definition tables', () => runQueryJob(replaceDefinitionsSql(projectId, datasetId, total > 0)));
  }

  function check() {
    return checkWarehouse(
      {
        connect: async () => {
          ctx.onStatement?.(`LIST datasets ${projectId}`);
          await timed((await bigquery()).getDatasets({ maxResults: 1, autoPaginate: false }), 'datasets.list');
          return `reached BigQuery project ${projectId}`;
        },
        createSchema: async () => (await ensureDataset(), `dataset ${datasetId} exists (${location})`),
        createTables: async () => (await createTables(), 'tables events, raw_events, raw_definitions and the definition tables exist'),
        writeProbe: async (row) => {
          await load('raw_events', 'WRITE_APPEND', async (write) => {
            await write(eventLine(row));
          });
          return 'loaded a probe row into raw_events with a load job';
        },
        countProbe: async (eventId) => Number((await runQueryJob(probeCountSql(projectId, datasetId), { probe: eventId })).rows[0]?.n),
        deleteProbe: async (eventId) => void (await runQueryJob(probeDeleteSql(projectId, datasetId), { probe: eventId })),
      },
      classified,
    );
  }

  async function close(): Promise<void> {
    client = undefined;
  }

  return { check, ensureTables, loadEvents, replaceDefinitions, close };
}
