// The BigQuery connection, loaded by `connect` on first use so that importing the plugin (as the
// host's registry does at start-up) does not load @google-cloud/bigquery.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { BigQuery } from '@google-cloud/bigquery';
import type { Dataset, Job, Query, Table } from '@google-cloud/bigquery';
import {
  DEFINITION_TABLES,
  PermanentError,
  RetryableError,
  loadUnlessEmpty,
  runCheckSteps,
} from '../sdk/index.ts';
import type { DefinitionTables, DestinationConnection, DestinationContext, EventRow, LoadResult } from '../sdk/index.ts';
import { bigqueryErrorDetails, classifyBigqueryError } from './errors.ts';
import { definitionLine, eventLine } from './ndjson.ts';
import { serviceAccountAuthClient } from './index.ts';
import type { BigqueryDestinationConfig, BigqueryPluginOptions } from './index.ts';
import {
  BIGQUERY_TABLES,
  mergeSql,
  probeCountSql,
  probeDeleteSql,
  replaceDefinitionsSql,
  tableOptions,
  tableSchema,
  truncateSql,
} from './sql.ts';
import type { BigqueryTable } from './sql.ts';

interface QueryOutcome {
  rows: Record<string, unknown>[];
  numDmlAffectedRows: number;
}

export function createBigqueryConnection(
  config: BigqueryDestinationConfig,
  ctx: DestinationContext,
  options: BigqueryPluginOptions,
): DestinationConnection {
  const { projectId, datasetId, location } = config;
  let client: BigQuery | undefined;
  const tempDirs = new Set<string>();

  // Built on first use: connecting sends nothing.
  function bigquery(): BigQuery {
    if (!client) {
      client = new BigQuery({
        projectId,
        location,
        apiEndpoint: config.apiEndpoint,
        authClient: options.authClient ?? serviceAccountAuthClient(config.serviceAccountKey),
        // The host owns retries: one attempt per request, failures are classified and thrown.
        autoRetry: false,
        maxRetries: 0,
        // Read by @google-cloud/common's Service, though BigQueryOptions does not declare it.
        ...({ timeout: config.requestTimeoutMs } as object),
      });
    }
    return client;
  }

  const dataset = (): Dataset => bigquery().dataset(datasetId, { location });
  const table = (name: BigqueryTable): Table => dataset().table(name, { location });

  async function classified<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      ctx.signal?.throwIfAborted();
      return await work();
    } catch (err) {
      throw classifyBigqueryError(err, doing);
    }
  }

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
  async function runQueryJob(sql: string, params?: Record<string, string>): Promise<QueryOutcome> {
    ctx.onStatement?.(sql);
    const [job] = await timed(
      bigquery().createQueryJob({ query: sql, location, params, jobPrefix: 'tributary_', useLegacySql: false } as Query),
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

  // One load job: uploads the NDJSON file (multipart upload), then waits for the job.
  async function loadFile(name: BigqueryTable, path: string, writeDisposition: 'WRITE_TRUNCATE' | 'WRITE_APPEND') {
    ctx.onStatement?.(`LOAD ${projectId}.${datasetId}.${name} NEWLINE_DELIMITED_JSON ${writeDisposition}`);
    // The upload's deadline grows with the file: the request timeout plus 1 s per MiB.
    const { size } = await stat(path);
    const uploadMs = config.requestTimeoutMs + Math.ceil(size / 1_048_576) * 1_000;
    const [job] = await timed(table(name).createLoadJob(path, {
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition,
      createDisposition: 'CREATE_NEVER',
      schema: { fields: tableSchema(name) },
      maxBadRecords: 0,
      ignoreUnknownValues: false,
      jobPrefix: 'tributary_load_',
    }), 'the load upload', uploadMs);
    await waitForJob(job);
  }

  async function newTempFile(name: string): Promise<{ path: string; dispose: () => Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-bigquery-'));
    tempDirs.add(dir);
    return {
      path: join(dir, name),
      dispose: async () => {
        tempDirs.delete(dir);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  async function ensureDataset(): Promise<void> {
    ctx.onStatement?.(`GET dataset ${projectId}.${datasetId}`);
    try {
      await timed(dataset().getMetadata(), 'datasets.get');
      return;
    } catch (err) {
      if (bigqueryErrorDetails(err).status !== 404) throw err;
    }
    ctx.onStatement?.(`CREATE dataset ${projectId}.${datasetId} (location ${location})`);
    try {
      await timed(bigquery().createDataset(datasetId, { location }), 'datasets.insert');
    } catch (err) {
      if (bigqueryErrorDetails(err).status !== 409) throw err; // created concurrently
    }
  }

  async function ensureTable(name: BigqueryTable): Promise<void> {
    const wanted = tableSchema(name);
    ctx.onStatement?.(`GET table ${projectId}.${datasetId}.${name}`);
    let existing: { schema?: { fields?: { name: string }[] } } | undefined;
    try {
      [existing] = await timed(table(name).getMetadata(), 'tables.get');
    } catch (err) {
      if (bigqueryErrorDetails(err).status !== 404) throw err;
    }
    if (!existing) {
      ctx.onStatement?.(`CREATE table ${projectId}.${datasetId}.${name}`);
      try {
        await timed(dataset().createTable(name, { schema: { fields: wanted }, ...tableOptions(name) }), 'tables.insert');
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
    await timed(table(name).setMetadata({ schema: { fields: [...present, ...missing] } }), 'tables.patch');
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

  // Writes the window to a local NDJSON file (memory stays flat whatever the window size).
  async function writeWindow(batches: AsyncIterable<EventRow[]>, path: string, result: LoadResult) {
    const out = createWriteStream(path);
    try {
      for await (const batch of batches) {
        ctx.signal?.throwIfAborted();
        let chunk = '';
        for (const row of batch) chunk += eventLine(row);
        result.rowsStaged += batch.length;
        result.bytes += Buffer.byteLength(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await finished(out);
    } catch (err) {
      out.destroy();
      throw err;
    }
  }

  function loadEvents(batches: AsyncIterable<EventRow[]>): Promise<LoadResult> {
    return loadUnlessEmpty(batches, async (nonEmpty) => {
      const result: LoadResult = { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
      const file = await newTempFile('raw_events.ndjson');
      try {
        // The whole window goes to disk first: a source failing mid-window sends nothing.
        await writeWindow(nonEmpty, file.path, result);
        // 1. One load job replaces raw_events (WRITE_TRUNCATE also drops a crashed run's leftovers).
        await classified('loading raw_events', () => loadFile('raw_events', file.path, 'WRITE_TRUNCATE'));
      } finally {
        await file.dispose();
      }
      // 2. One MERGE job: atomic on its own; re-running it over the same staging changes nothing.
      const merged = await classified('merging raw_events into events', () => runQueryJob(mergeSql(projectId, datasetId)));
      result.rowsMerged = merged.numDmlAffectedRows;
      // 3. Empty staging. A crash before this leaves rows that the next load's WRITE_TRUNCATE replaces.
      await classified('clearing raw_events', () => runQueryJob(truncateSql(projectId, datasetId, 'raw_events')));
      return result;
    });
  }

  async function replaceDefinitions(tables: DefinitionTables): Promise<void> {
    const total = DEFINITION_TABLES.reduce((sum, name) => sum + tables[name].length, 0);
    if (total > 0) {
      const file = await newTempFile('raw_definitions.ndjson');
      try {
        const out = createWriteStream(file.path);
        try {
          for (const name of DEFINITION_TABLES) {
            for (const row of tables[name]) if (!out.write(definitionLine(name, row))) await once(out, 'drain');
          }
          out.end();
          await finished(out);
        } catch (err) {
          out.destroy();
          throw err;
        }
        await classified('loading raw_definitions', () => loadFile('raw_definitions', file.path, 'WRITE_TRUNCATE'));
      } finally {
        await file.dispose();
      }
    }
    await classified('replacing the definition tables', () =>
      runQueryJob(replaceDefinitionsSql(projectId, datasetId, total > 0)),
    );
  }

  async function check() {
    const probeId = `tributary-check-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    return runCheckSteps([
      {
        step: 'connect',
        run: () =>
          classified('connecting', async () => {
            ctx.onStatement?.(`LIST datasets ${projectId}`);
            await timed(bigquery().getDatasets({ maxResults: 1, autoPaginate: false }), 'datasets.list');
            return `reached BigQuery project ${projectId}`;
          }),
      },
      {
        step: 'create schema',
        run: () =>
          classified('creating the dataset', async () => {
            await ensureDataset();
            return `dataset ${datasetId} exists (${location})`;
          }),
      },
      {
        step: 'create tables',
        run: () =>
          classified('creating tables', async () => {
            await createTables();
            return 'tables events, raw_events, raw_definitions and the definition tables exist';
          }),
      },
      {
        step: 'write',
        run: () =>
          classified('writing to raw_events with a load job', async () => {
            const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
            const file = await newTempFile('probe.ndjson');
            try {
              const out = createWriteStream(file.path);
              out.end(
                eventLine({
                  event_id: probeId,
                  event_time: now,
                  processed_time: now,
                  device_id: '0',
                  session_id: null,
                  view_id: null,
                  event_type: null,
                  event_properties: null,
                  source_type: 'server',
                  source_properties: null,
                }),
              );
              await finished(out);
              await loadFile('raw_events', file.path, 'WRITE_APPEND');
            } finally {
              await file.dispose();
            }
            return 'loaded a probe row into raw_events';
          }),
      },
      {
        step: 'read back',
        run: () =>
          classified('reading raw_events', async () => {
            const { rows } = await runQueryJob(probeCountSql(projectId, datasetId), { probe: probeId });
            if (Number(rows[0]?.n) !== 1) throw new PermanentError('the probe row loaded into raw_events could not be read back');
            return 'read the probe row back';
          }),
      },
      {
        step: 'clean up',
        run: () =>
          classified('cleaning up', async () => {
            await runQueryJob(probeDeleteSql(projectId, datasetId), { probe: probeId });
            return 'deleted the probe row';
          }),
      },
    ]);
  }

  async function close(): Promise<void> {
    client = undefined;
    for (const dir of [...tempDirs]) await rm(dir, { recursive: true, force: true });
    tempDirs.clear();
  }

  return { check, ensureTables, loadEvents, replaceDefinitions, close };
}
