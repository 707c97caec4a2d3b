/**
 * The BigQuery destination through the real @google-cloud/bigquery SDK against the protocol fake
 * (test/fakes/bigquery-fake.ts, DuckDB behind it): the contract kit, fault injection, quota
 * errors, the streaming-buffer rule, constant jobs per sync, the merge bounded to the window's
 * partitions, and golden files of the exact SQL. Uploads: bigquery-upload.test.ts; sign-in:
 * bigquery-sign-in.test.ts; a real project: bigquery-real-project.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { contractDefinition, contractEvent, generatedBatches, runDestinationContract } from '@tributary/destination-sdk/testing';
import { RetryableError, classifyError, parseDestinationConfig, retryAfterMsOf, silentLogger } from '@tributary/destination-sdk';
import type { DestinationConnection, EventRow } from '@tributary/destination-sdk';
import bigqueryDestination, { bigquerySql, createBigqueryDestination } from '../../plugins/bigquery/index.ts';
import type { BigqueryDestinationConfig } from '../../plugins/bigquery/index.ts';
import { startBigqueryFake } from '../fakes/bigquery-fake.ts';
import type { BigqueryFault, FaultMatch } from '../fakes/bigquery-fake.ts';
import { countRows, readDefinitions, readEvents, staticTokenClient, streamRows, testServiceAccount } from '../fakes/bigquery-helpers.ts';

const account = testServiceAccount();
const stranger = testServiceAccount('someone-else@test-proj.iam.gserviceaccount.com');
const fake = await startBigqueryFake({ serviceAccounts: { [account.email]: account.publicKeyPem } });
let datasets = 0;

afterAll(async () => {
  await fake.close();
});

type RawConfig = z.input<typeof bigqueryDestination.config>;

function rawConfig(overrides: Partial<RawConfig> = {}): RawConfig {
  return {
    projectId: fake.projectId,
    datasetId: `ds_${(datasets += 1)}`,
    serviceAccountKey: account.keyJson,
    apiEndpoint: fake.url,
    ...overrides,
  };
}

const target = (config: BigqueryDestinationConfig) => ({
  apiEndpoint: fake.url,
  projectId: config.projectId,
  datasetId: config.datasetId,
});

// The production auth path: the service account key signs its own JWTs, which the fake verifies.
runDestinationContract({
  name: 'bigquery destination (protocol fake, service-account JWT auth)',
  definition: bigqueryDestination,
  config: async () => rawConfig(),
  readEvents: (config) => readEvents(target(config)),
  readStagingCount: (config) => countRows(target(config), 'raw_events'),
  readDefinitions: (config, table) => readDefinitions(target(config), table),
  largeLoad: { rows: 30_000, batchSize: 5_000 },
  failures: [
    { name: 'nothing listens on the endpoint', config: () => rawConfig({ apiEndpoint: 'http://127.0.0.1:1' }), expect: 'retryable' },
    { name: 'the service account is not known', config: () => rawConfig({ serviceAccountKey: stranger.keyJson }), expect: 'permanent' },
    { name: 'the project does not exist', config: () => rawConfig({ projectId: 'no-such-project' }), expect: 'config' },
  ],
});

// The injectable auth client (a static-token OAuth2Client), as the emulator test uses it.
const staticDestination = createBigqueryDestination({ authClient: staticTokenClient(), pollIntervalMs: 5 });

async function open(
  config: BigqueryDestinationConfig,
  onStatement?: (statement: string) => void,
  definition = staticDestination,
): Promise<DestinationConnection> {
  return definition.connect(config, { logger: silentLogger, onStatement });
}

async function prepared(overrides: Parameters<typeof rawConfig>[0] = {}): Promise<BigqueryDestinationConfig> {
  const config = parseDestinationConfig(staticDestination, rawConfig(overrides));
  const connection = await open(config);
  await connection.ensureTables();
  await connection.close();
  return config;
}

async function* batches(rows: EventRow[][]): AsyncGenerator<EventRow[]> {
  for (const batch of rows) yield batch;
}

async function load(config: BigqueryDestinationConfig, rows: EventRow[][], onStatement?: (s: string) => void) {
  const connection = await open(config, onStatement);
  try {
    return await connection.loadEvents(batches(rows));
  } finally {
    await connection.close();
  }
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('bigquery destination: config and auth', () => {
  it('rejects a key that is not a service account key, without echoing it', () => {
    const bad = { type: 'authorized_user', client_secret: 'very-secret-value' };
    expect(() => parseDestinationConfig(bigqueryDestination, rawConfig({ serviceAccountKey: JSON.stringify(bad) }))).toThrow(
      /serviceAccountKey: the service account key is not a service account key/,
    );
    try {
      parseDestinationConfig(bigqueryDestination, rawConfig({ serviceAccountKey: JSON.stringify(bad) }));
    } catch (err) {
      expect(String(err)).not.toContain('very-secret-value');
    }
  });

  it('signs requests with a self-signed JWT from the key, and also works with an injected OAuth2Client', async () => {
    const config = await prepared();
    fake.resetLog();
    await load(config, [[contractEvent(1)]]);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
    const jwtConfig = parseDestinationConfig(bigqueryDestination, { ...rawConfig(), datasetId: config.datasetId });
    const connection = await open(jwtConfig, undefined, bigqueryDestination);
    await connection.loadEvents(batches([[contractEvent(2)]]));
    await connection.close();
    expect((await readEvents(target(config))).map((r) => r.event_id).sort()).toEqual(['ev-00000001', 'ev-00000002']);
  });

  it('connect sends nothing; an empty load sends no request at all', async () => {
    const config = await prepared();
    fake.resetLog();
    const connection = await open(config);
    expect(await connection.loadEvents(batches([[], []]))).toEqual({ rowsStaged: 0, rowsMerged: 0, bytes: 0 });
    await connection.close();
    expect(fake.requests).toEqual([]);
  });
});

describe('bigquery destination: jobs per sync', () => {
  async function syncCost(rows: number, batchSize: number) {
    const config = await prepared();
    const statements: string[] = [];
    fake.resetLog();
    const connection = await open(config, (s) => statements.push(s));
    const result = await connection.loadEvents(generatedBatches(rows, batchSize));
    await connection.close();
    return { result, statements: statements.length, requests: fake.requests.length, apis: fake.requests.map((r) => r.api) };
  }

  it('sends the same jobs whatever the row count (one load, one MERGE, one TRUNCATE); only upload chunks grow with the bytes', async () => {
    const small = await syncCost(3, 3);
    const large = await syncCost(12_000, 250);
    expect(small.result.rowsMerged).toBe(3);
    expect(large.result.rowsMerged).toBe(12_000);
    expect(large.statements).toBe(small.statements);
    expect(small.statements).toBe(3);
    expect(small.apis).toEqual([
      'upload.initiate',
      'upload.chunk',
      'jobs.insert',
      'jobs.getQueryResults',
      'jobs.insert',
      'jobs.getQueryResults',
    ]);
    const notChunks = (apis: string[]) => apis.filter((api) => api !== 'upload.chunk');
    expect(notChunks(large.apis)).toEqual(notChunks(small.apis));
    // One request per 8 MiB chunk (the default), the last one carrying the rest.
    expect(large.apis.filter((api) => api === 'upload.chunk')).toHaveLength(Math.ceil(large.result.bytes / (8 * 1024 * 1024)));
    expect(small.apis).not.toContain('tabledata.insertAll');
    expect(small.apis).not.toContain('upload');
  });

  it('polls running jobs (jobs.get, jobComplete:false) and pages results', async () => {
    const slow = await startBigqueryFake({ pollsUntilDone: 2, pageSize: 7 });
    try {
      const config = parseDestinationConfig(staticDestination, { ...rawConfig(), apiEndpoint: slow.url });
      const connection = await open(config);
      await connection.ensureTables();
      const rows = Array.from({ length: 20 }, (_, i) => contractEvent(i));
      expect(await connection.loadEvents(batches([rows]))).toMatchObject({ rowsStaged: 20, rowsMerged: 20 });
      await connection.close();
      const apis = slow.requests.map((r) => r.api);
      expect(apis.filter((a) => a === 'jobs.get').length).toBeGreaterThanOrEqual(2);
      expect(apis.filter((a) => a === 'jobs.getQueryResults').length).toBeGreaterThanOrEqual(6);
      slow.resetLog();
      const read = await readEvents({ apiEndpoint: slow.url, projectId: config.projectId, datasetId: config.datasetId });
      expect(read).toHaveLength(20);
      const reads = slow.requests.filter((r) => r.api === 'jobs.getQueryResults');
      expect(
        reads.some((r) => /pageToken=/.test(r.query)),
        'follows pageToken',
      ).toBe(true);
      expect(reads.length).toBeGreaterThanOrEqual(4);
    } finally {
      await slow.close();
    }
  });
});

describe('bigquery destination: fault injection', () => {
  const cases: { name: string; match: FaultMatch; fault: BigqueryFault; expect: 'retryable' | 'permanent' | 'config'; text: RegExp }[] = [
    {
      name: 'HTTP 500 on the MERGE job insert',
      match: { api: 'jobs.insert', sql: /^MERGE/ },
      fault: { type: 'http', status: 500, reason: 'backendError' },
      expect: 'retryable',
      text: /backendError, HTTP 500/,
    },
    {
      name: 'HTTP 503 opening the upload session',
      match: { api: 'upload.initiate' },
      fault: { type: 'http', status: 503, reason: 'backendError' },
      expect: 'retryable',
      text: /loading raw_events/,
    },
    {
      name: '429 rateLimitExceeded',
      match: { api: 'jobs.insert' },
      fault: { type: 'http', status: 429, reason: 'rateLimitExceeded' },
      expect: 'retryable',
      text: /rateLimitExceeded/,
    },
    {
      name: '403 rateLimitExceeded (how BigQuery throttles jobs)',
      match: { api: 'jobs.insert' },
      fault: {
        type: 'http',
        status: 403,
        reason: 'rateLimitExceeded',
        message: 'Exceeded rate limits: too many table update operations for this table',
      },
      expect: 'retryable',
      text: /Exceeded rate limits/,
    },
    {
      name: 'a request that hangs past the timeout',
      match: { api: 'jobs.getQueryResults' },
      fault: { type: 'hang' },
      expect: 'retryable',
      text: /jobs.getQueryResults timed out after 1500 ms/,
    },
    {
      name: 'a dropped connection',
      match: { api: 'jobs.insert' },
      fault: { type: 'drop' },
      expect: 'retryable',
      text: /merging raw_events into events/,
    },
    {
      name: '401 expired token',
      match: { api: 'upload.initiate' },
      fault: { type: 'expiredToken' },
      expect: 'permanent',
      text: /access token expired.*authError, HTTP 401/,
    },
    {
      name: '403 accessDenied',
      match: { api: 'jobs.insert' },
      fault: {
        type: 'http',
        status: 403,
        reason: 'accessDenied',
        message: 'Access Denied: Table test-proj:ds.events: Permission bigquery.tables.updateData denied',
      },
      expect: 'permanent',
      text: /Permission bigquery.tables.updateData denied/,
    },
    {
      name: '400 invalidQuery',
      match: { api: 'jobs.insert' },
      fault: { type: 'http', status: 400, reason: 'invalidQuery', message: 'Syntax error: Unexpected keyword MERGE at [1:1]' },
      expect: 'permanent',
      text: /Syntax error/,
    },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.expect}`, async () => {
      const config = await prepared({ requestTimeoutMs: 1_500 });
      fake.injectFault(c.match, c.fault);
      const err = await failure(() => load(config, [[contractEvent(1), contractEvent(2)]]));
      fake.clearFaults();
      expect(classifyError(err), String(err)).toBe(c.expect);
      expect((err as { kind?: string }).kind).toBe(c.expect);
      expect(String((err as Error).message)).toMatch(c.text);
      // The host retries: the next attempt converges.
      expect(await load(config, [[contractEvent(1), contractEvent(2)]])).toMatchObject({ rowsStaged: 2 });
      expect((await readEvents(target(config))).map((r) => r.event_id).sort()).toEqual(['ev-00000001', 'ev-00000002']);
      expect(await countRows(target(config), 'raw_events')).toBe(0);
    });
  }

  it('a dataset that disappeared → config', async () => {
    const config = await prepared();
    const err = await failure(() => load({ ...config, datasetId: 'never_created' }, [[contractEvent(1)]]));
    expect(classifyError(err)).toBe('config');
    expect(String((err as Error).message)).toMatch(/Not found: (Dataset|Table) test-proj:never_created/);
  });

  it('a failure in the middle of the MERGE leaves events unchanged, and a retry converges', async () => {
    const config = await prepared();
    const before = [contractEvent(1), contractEvent(2)];
    await load(config, [before]);
    const stored = await readEvents(target(config));

    const newer = [contractEvent(1, { processed_time: '2027-01-01T00:00:00.000000Z', event_type: 'changed' }), contractEvent(3)];
    fake.injectFault({ api: 'jobs.insert', sql: /^MERGE/ }, { type: 'failMidStatement' });
    const err = await failure(() => load(config, [newer]));
    expect(classifyError(err)).toBe('retryable');
    expect(String((err as Error).message)).toMatch(/merging raw_events into events: Error encountered during execution/);
    expect(await readEvents(target(config)), 'the MERGE rolled back as a whole').toEqual(stored);
    expect(await countRows(target(config), 'raw_events'), 'staging still holds the failed window').toBe(2);

    // The host retries the window; the WRITE_TRUNCATE load replaces the leftovers.
    expect(await load(config, [newer])).toMatchObject({ rowsStaged: 2, rowsMerged: 2 });
    const after = await readEvents(target(config));
    expect(after.map((r) => [r.event_id, r.event_type])).toEqual(
      expect.arrayContaining([
        ['ev-00000001', 'changed'],
        ['ev-00000002', before[1]!.event_type],
        ['ev-00000003', contractEvent(3).event_type],
      ]),
    );
    expect(after).toHaveLength(3);
    expect(await countRows(target(config), 'raw_events')).toBe(0);
  });

  it('a crash between MERGE and TRUNCATE is harmless: the re-run changes nothing', async () => {
    const config = await prepared();
    fake.injectFault({ api: 'jobs.insert', sql: /^TRUNCATE/ }, { type: 'http', status: 500, reason: 'backendError' });
    await failure(() => load(config, [[contractEvent(1)]]));
    const stored = await readEvents(target(config));
    expect(stored).toHaveLength(1);
    expect(await load(config, [[contractEvent(1)]])).toMatchObject({ rowsMerged: 0 });
    expect(await readEvents(target(config))).toEqual(stored);
  });
});

describe('bigquery destination: quotas', () => {
  // Google ("Troubleshoot quota and limit errors"): rateLimitExceeded is a short-term limit, retried
  // after seconds with exponential backoff; quotaExceeded a longer-term one: wait 10 minutes or longer.
  const minutes = (err: unknown) => (retryAfterMsOf(err) ?? 0) / 60_000;

  it('403 quotaExceeded on a query job → retryable, and the host is asked to wait 10 minutes', async () => {
    const config = await prepared();
    fake.injectFault(
      { api: 'jobs.insert', sql: /^MERGE/ },
      {
        type: 'http',
        status: 403,
        reason: 'quotaExceeded',
        message: 'Quota exceeded: Your project exceeded quota for free query bytes scanned',
      },
    );
    const err = await failure(() => load(config, [[contractEvent(1)]]));
    expect(classifyError(err)).toBe('retryable');
    expect(err).toBeInstanceOf(RetryableError);
    expect(String((err as Error).message)).toMatch(/merging raw_events into events: Quota exceeded.*\(quotaExceeded, HTTP 403\)/);
    expect(minutes(err)).toBe(10);
    expect(await load(config, [[contractEvent(1)]])).toMatchObject({ rowsMerged: 1 });
  });

  it('a load job that ends DONE with quotaExceeded (load jobs per table per day) → the same 10-minute wait', async () => {
    const config = await prepared();
    fake.injectFault(
      { api: 'upload.chunk' },
      {
        type: 'jobError',
        reason: 'quotaExceeded',
        message: 'Quota exceeded: Your table exceeded quota for imports or query appends per table',
      },
    );
    const err = await failure(() => load(config, [[contractEvent(1)]]));
    expect(String((err as Error).message)).toMatch(/loading raw_events: Quota exceeded: Your table exceeded quota for imports/);
    expect(classifyError(err)).toBe('retryable');
    expect(minutes(err)).toBe(10);
  });

  it('rateLimitExceeded and backendError → retryable with no wait of their own (the host backs off in seconds)', async () => {
    const config = await prepared();
    for (const reason of ['rateLimitExceeded', 'backendError']) {
      fake.injectFault({ api: 'jobs.insert', sql: /^MERGE/ }, { type: 'http', status: reason === 'backendError' ? 500 : 403, reason });
      const err = await failure(() => load(config, [[contractEvent(1)]]));
      expect(classifyError(err), reason).toBe('retryable');
      expect(retryAfterMsOf(err), reason).toBeUndefined();
    }
  });
});

describe('bigquery destination: the merge reads only the partitions of the window', () => {
  const at = (i: number, day: number, time = '10:00:00.000000') =>
    contractEvent(i, { event_time: `2026-11-${String(day).padStart(2, '0')}T${time}Z` });

  it("bounds the MERGE to the staged rows' event_time range, reports it, and prunes every other day partition", async () => {
    const config = await prepared();
    // Ten days of history, one row a day.
    await load(config, [Array.from({ length: 10 }, (_, d) => at(d + 1, d + 1))]);
    expect(fake.mergeScans.at(-1)).toMatchObject({ partitionsTotal: 0 });

    // An hourly window on day 10, with a late tombstone of day 8's row and a later version of day 9's.
    const window = [
      at(11, 10, '11:00:00.000001'),
      at(12, 10, '11:59:59.999999'),
      { ...at(8, 8), processed_time: '2026-12-01T00:00:00.000000Z', event_type: null, event_properties: null, source_properties: null },
      { ...at(9, 9), processed_time: '2026-12-01T00:00:00.000000Z', event_type: 'changed' },
    ];
    fake.resetLog();
    const result = await load(config, [window]);
    expect(result.mergedEventTimeRange).toEqual({ from: '2026-11-08T10:00:00.000000Z', to: '2026-11-10T11:59:59.999999Z' });
    expect(result.rowsMerged).toBe(4);
    const scan = fake.mergeScans.at(-1)!;
    expect(scan).toMatchObject({
      from: '2026-11-08T10:00:00.000000Z',
      to: '2026-11-10T11:59:59.999999Z',
      partitionsScanned: 3,
      partitionsTotal: 10,
    });
    expect(scan.bytesProcessed).toBeLessThan(scan.bytesUnbounded / 2);

    // The bound changed nothing in the result: the tombstone and the update landed, the rest is intact.
    const stored = new Map((await readEvents(target(config))).map((row) => [row.event_id, row]));
    expect(stored.size).toBe(12);
    expect(stored.get(contractEvent(8).event_id)?.event_type).toBeNull();
    expect(stored.get(contractEvent(9).event_id)?.event_type).toBe('changed');
    expect(stored.get(contractEvent(1).event_id)?.event_type).toBe(contractEvent(1).event_type);

    // Re-running the same window changes nothing, and reads the same three partitions.
    expect(await load(config, [window])).toMatchObject({ rowsMerged: 0 });
    expect(fake.mergeScans.at(-1)).toMatchObject({ partitionsScanned: 3, partitionsTotal: 10 });
  });

  it('a window on one day reads one partition', async () => {
    const config = await prepared();
    await load(config, [Array.from({ length: 5 }, (_, d) => at(d + 1, d + 1))]);
    const result = await load(config, [[at(6, 5, '23:00:00.000000'), at(7, 5, '23:59:59.999999')]]);
    expect(result.mergedEventTimeRange).toEqual({ from: '2026-11-05T23:00:00.000000Z', to: '2026-11-05T23:59:59.999999Z' });
    expect(fake.mergeScans.at(-1)).toMatchObject({ partitionsScanned: 1, partitionsTotal: 5 });
  });
});

describe('bigquery destination: the streaming-buffer rule', () => {
  const streamedRow = {
    event_id: 'ev-streamed',
    event_time: '2026-11-26T10:00:00.000000Z',
    processed_time: '2026-11-26T10:00:00.000000Z',
    updated_time: '2026-11-26T10:00:00.000000Z',
    device_id: '1',
    source_type: 'web',
  };

  it('the fake refuses MERGE into a table with streamed rows, as BigQuery does, so a streaming plugin fails here', async () => {
    const config = await prepared();
    await streamRows(target(config), 'events', [streamedRow]);
    const err = await failure(() => load(config, [[contractEvent(1)]]));
    expect(classifyError(err)).toBe('permanent');
    expect(String((err as Error).message)).toMatch(/would affect rows in the streaming buffer, which is not supported \(invalidQuery/);
    fake.flushStreamingBuffer();
    expect(await load(config, [[contractEvent(1)]])).toMatchObject({ rowsMerged: 1 });
  });

  it('a plugin that streamed into raw_events could not clear it', async () => {
    const config = await prepared();
    const { event_id, event_time, processed_time, device_id, source_type } = streamedRow;
    await streamRows(target(config), 'raw_events', [{ event_id, event_time, processed_time, device_id, source_type }]);
    const bigquery = new BigQuery({
      projectId: fake.projectId,
      apiEndpoint: fake.url,
      authClient: staticTokenClient(),
      autoRetry: false,
    });
    await expect(
      bigquery.query({ query: `TRUNCATE TABLE \`${fake.projectId}.${config.datasetId}.raw_events\``, location: 'US' }),
    ).rejects.toMatchObject({ code: 400, message: expect.stringMatching(/streaming buffer/) });
    fake.flushStreamingBuffer();
  });

  it('the plugin itself never calls insertAll: not to load, replace definitions or check', async () => {
    const config = await prepared();
    fake.resetLog();
    const connection = await open(config);
    await connection.loadEvents(generatedBatches(2_000, 500));
    await connection.replaceDefinitions({ event_definitions: [contractDefinition('ev-1')], page_definitions: [], element_definitions: [] });
    expect((await connection.check()).every((step) => step.ok)).toBe(true);
    await connection.close();
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.map((r) => r.api)).not.toContain('tabledata.insertAll');
  });
});

describe('bigquery destination: golden SQL', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const goldenDir = join(here, 'golden', 'bigquery');

  function golden(name: string, actual: string) {
    const file = join(goldenDir, name);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(file, actual);
      if (process.env.CI) throw new Error(`golden file ${name} was missing in CI`);
    }
    expect(actual).toBe(readFileSync(file, 'utf8'));
  }

  it('pins every statement and request of ensureTables, a load, replaceDefinitions and check', async () => {
    const config = parseDestinationConfig(staticDestination, { ...rawConfig(), datasetId: 'golden' });
    const statements: string[] = [];
    const connection = await open(config, (s) => statements.push(s));
    await connection.ensureTables();
    const ensure = statements.splice(0);
    const loaded = await connection.loadEvents(batches([[contractEvent(1)], [contractEvent(2)]]));
    const loadStatements = statements.splice(0);
    const deviceOfRow = contractEvent(1).device_id;
    await connection.loadEvents(batches([[contractEvent(3)]]), { deleteDeviceIds: [deviceOfRow] });
    const deletingLoad = statements.splice(0);
    await connection.loadEvents(batches([]), { deleteDeviceIds: [deviceOfRow] });
    const deletingOnly = statements.splice(0);
    await connection.replaceDefinitions({
      event_definitions: [contractDefinition('ev-1')],
      page_definitions: [],
      element_definitions: [contractDefinition('el-1')],
    });
    const replace = statements.splice(0);
    await connection.replaceDefinitions({ event_definitions: [], page_definitions: [], element_definitions: [] });
    const replaceEmpty = statements.splice(0);
    const steps = await connection.check();
    expect(steps.every((s) => s.ok)).toBe(true);
    const checkStatements = statements.splice(0).map((s) => s.replace(/tributary-check-[\w-]+/g, '<probe>'));
    await connection.close();

    const section = (title: string, list: string[]) => `-- ${title}\n${list.map((s) => (s.endsWith(';') ? s : `${s};`)).join('\n\n')}\n`;
    golden('ensure-tables.sql', section('ensureTables on an empty project', ensure));
    const range = loaded.mergedEventTimeRange!;
    golden(
      'load-events.sql',
      section('loadEvents with rows', loadStatements) +
        `-- the MERGE's parameters (TIMESTAMP): @merge_from = ${range.from}, @merge_to = ${range.to}\n`,
    );
    golden(
      'load-events-deleting.sql',
      section('loadEvents with rows and a deletion request (@delete_devices: ARRAY<STRING>)', deletingLoad) +
        '\n' +
        section('loadEvents with only a deletion request', deletingOnly),
    );
    golden(
      'replace-definitions.sql',
      section('replaceDefinitions with rows', replace) + '\n' + section('replaceDefinitions with no rows', replaceEmpty),
    );
    golden('check.sql', section('check', checkStatements));
  });

  it('pins the table definitions sent to tables.insert', () => {
    const tables = Object.fromEntries(
      bigquerySql.BIGQUERY_TABLES.map((name) => [
        name,
        { schema: { fields: bigquerySql.tableSchema(name) }, ...bigquerySql.tableOptions(name) },
      ]),
    );
    golden('tables.json', `${JSON.stringify(tables, null, 2)}\n`);
  });
});
