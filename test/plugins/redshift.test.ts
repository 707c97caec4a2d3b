import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  contractDefinition,
  contractEvent,
  generatedBatches,
  runDestinationContract,
  tombstoneOf,
} from '@tributary/destination-sdk/testing';
import type { StoredDefinitionRow } from '@tributary/destination-sdk/testing';
import type { StoredEventRow } from '@tributary/destination-sdk';
import redshiftDestination from '../../plugins/redshift/index.ts';
import { RedshiftDataFake } from '../fakes/redshift-data-fake.ts';
import { createMotoBucket, hasMoto, listMotoKeys, motoEndpoint } from '../support/moto.ts';
import { countRows, failure, once, redshiftTestConfig, withRedshift } from '../support/redshift.ts';

const runs = hasMoto();
let fake: RedshiftDataFake;
let bucket: string;
beforeAll(async () => {
  if (!runs) return;
  // Small result pages, so every multi-row read (the column listing) follows NextToken.
  fake = await RedshiftDataFake.start({ pageSize: 10, awsEndpoint: motoEndpoint });
  bucket = await createMotoBucket();
});
afterAll(async () => {
  await fake?.close();
});

const time = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${column}`;
const base = () => redshiftTestConfig(fake, bucket);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

if (runs) {
  runDestinationContract({
    name: 'redshift destination (Data API fake, S3 on moto)',
    definition: redshiftDestination,
    config: async () => base(),
    readEvents: async (config) =>
      (await fake.query(`SELECT event_id, ${time('event_time')}, ${time('processed_time')}, ${time('updated_time')},
        device_id::text AS device_id, session_id::text AS session_id, view_id::text AS view_id, event_type,
        event_properties::text AS event_properties, source_type, source_properties::text AS source_properties
        FROM ${config.schema}.events`)) as unknown as StoredEventRow[],
    readStagingCount: async (config) => countRows(fake, config.schema, 'raw_events'),
    readDefinitions: async (config, table) =>
      (await fake.query(`SELECT id, name, description, state, version, rule::text AS rule, ${time('created_time')}, created_by,
        ${time('modified_time')}, modified_by, ${time('updated_time')} FROM ${config.schema}.${table}`)) as unknown as StoredDefinitionRow[],
    // Past the first file's 12 MB of JSON, so the load spans several files.
    largeLoad: { rows: 30_000, batchSize: 5_000 },
    failures: [
      { name: 'an unknown access key', config: () => ({ ...base(), accessKeyId: 'AKIAUNKNOWNUNKNOWN00' }), expect: 'permanent' },
      { name: 'a cluster that does not exist', config: () => ({ ...base(), clusterIdentifier: 'nope' }), expect: 'config' },
      {
        name: 'a workgroup that does not exist',
        config: () => ({ ...base(), clusterIdentifier: undefined, dbUser: undefined, workgroupName: 'nope' }),
        expect: 'config',
      },
      { name: 'a database that does not exist', config: () => ({ ...base(), database: 'nope' }), expect: 'config' },
      {
        name: 'nothing listening',
        config: async () => ({ ...base(), endpoint: `http://127.0.0.1:${await closedPort()}` }),
        expect: 'retryable',
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Beyond the contract: faults, the one-transaction load, Data API call counts and golden SQL.

async function prepared(overrides: Record<string, unknown> = {}) {
  const raw = { ...base(), ...overrides };
  await withRedshift(raw, (c) => c.ensureTables());
  return raw;
}

const batches = (rows: number, size = 5_000) => generatedBatches(rows, size);

describe.runIf(runs)('redshift destination: faults and service rules', () => {
  afterEach(() => fake.clearFaults());

  it('one throttled call is retried by the SDK; persistent throttling is retryable', async () => {
    const raw = await prepared();
    fake.inject({ type: 'throttle', operation: 'BatchExecuteStatement' });
    expect(await withRedshift(raw, (c) => c.loadEvents(batches(10)))).toMatchObject({ rowsMerged: 10 });
    fake.inject({ type: 'throttle', operation: 'DescribeStatement', times: Infinity });
    const err = await failure(withRedshift(raw, (c) => c.loadEvents(batches(10))));
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('ThrottlingException: Rate exceeded');
  });

  it('HTTP 500 and dropped connections are retryable', async () => {
    const raw = await prepared();
    fake.inject({ type: 'status', status: 500, operation: 'BatchExecuteStatement', times: Infinity });
    expect((await failure(withRedshift(raw, (c) => c.loadEvents(batches(10))))).kind).toBe('retryable');
    fake.clearFaults();
    fake.inject({ type: 'drop', operation: 'DescribeStatement', times: Infinity });
    expect((await failure(withRedshift(raw, (c) => c.loadEvents(batches(10))))).kind).toBe('retryable');
    fake.clearFaults();
    await withRedshift(raw, (c) => c.loadEvents(batches(10)));
    expect(await countRows(fake, raw.schema, 'events')).toBe(10);
    expect(await countRows(fake, raw.schema, 'raw_events')).toBe(0);
  });

  it('a hung call times out and is retried by the SDK', async () => {
    const raw = await prepared({ timeoutSeconds: 1 });
    fake.inject({ type: 'hang', operation: 'DescribeStatement' });
    expect(await withRedshift(raw, (c) => c.loadEvents(batches(10)))).toMatchObject({ rowsMerged: 10 });
    expect(fake.requests.some((r) => r.fault === 'hang')).toBe(true);
  });

  it('expired credentials and access denied are permanent', async () => {
    const raw = await prepared();
    fake.inject({ type: 'expired-token' });
    const expired = await failure(withRedshift(raw, (c) => c.loadEvents(batches(5))));
    expect(expired.kind).toBe('permanent');
    expect(expired.message).toContain('ExpiredTokenException');
    fake.inject({ type: 'access-denied', operation: 'BatchExecuteStatement' });
    const denied = await failure(withRedshift(raw, (c) => c.loadEvents(batches(5))));
    expect(denied.kind).toBe('permanent');
    expect(denied.message).toContain('not authorized to perform: redshift-data:BatchExecuteStatement');
  });

  it('a FAILED statement carries Redshift’s error text and is permanent for SQL errors', async () => {
    const raw = await prepared();
    fake.inject({ type: 'fail-statement', match: /^COPY /, error: 'ERROR: permission denied for relation raw_events' });
    const err = await failure(withRedshift(raw, (c) => c.loadEvents(batches(5))));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('ERROR: permission denied for relation raw_events');
    expect(err.message).toContain('statement 2 of 6 in the transaction');
  });

  it('a failure in the middle of the load rolls the whole transaction back, the files are deleted, and a retry converges', async () => {
    const raw = await prepared();
    await withRedshift(raw, (c) => c.loadEvents(batches(40)));
    const snapshot = () => fake.query(`SELECT event_id, event_type, updated_time::text AS u FROM ${raw.schema}.events ORDER BY event_id`);
    const before = await snapshot();
    const newer = Array.from({ length: 60 }, (_, i) =>
      contractEvent(i, { processed_time: '2027-01-01T00:00:00.000000Z', event_type: 'v2' }),
    );
    // COPY, the tombstone clean-up and the DELETE of older rows run; the INSERT fails.
    fake.inject({
      type: 'fail-statement',
      operation: 'BatchExecuteStatement',
      match: /^INSERT INTO \S+\.events/,
      error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123456, transactions forming the cycle are: 1, 2 (pid:42)',
    });
    const err = await failure(withRedshift(raw, (c) => c.loadEvents(once(newer))));
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('Serializable isolation violation');
    expect(err.message).toContain('statement 5 of 6 in the transaction');
    expect(await snapshot()).toEqual(before);
    expect(await countRows(fake, raw.schema, 'raw_events')).toBe(0);
    expect(await listMotoKeys(bucket).then((keys) => keys.filter((k) => k.includes(`/${raw.schema}/`)))).toEqual([]);
    expect(await withRedshift(raw, (c) => c.loadEvents(once(newer)))).toMatchObject({ rowsStaged: 60, rowsMerged: 60 });
    const [after] = await fake.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE event_type = 'v2')::int AS v2 FROM ${raw.schema}.events`,
    );
    expect(after).toEqual({ n: 60, v2: 60 });
    expect(await countRows(fake, raw.schema, 'raw_events')).toBe(0);
  });

  it('the fake enforces the Data API rules: 100 kB of SQL, non-empty parameter values', async () => {
    const client = new RedshiftDataClient({
      region: 'us-east-1',
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const target = { ClusterIdentifier: 'tributary-cluster', DbUser: 'tributary', Database: 'dev' };
    await expect(client.send(new ExecuteStatementCommand({ ...target, Sql: `SELECT '${'x'.repeat(100_001)}'` }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot process query string larger than 100kB',
    });
    await expect(
      client.send(new ExecuteStatementCommand({ ...target, Sql: 'SELECT :a', Parameters: [{ name: 'a', value: '' }] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    client.destroy();
  });

  it('sends one BatchExecuteStatement per load whatever the row count, polls until FINISHED, and records the merged event_time range', async () => {
    const calls: Record<number, { submits: number; batches: number; executes: number; puts: number; deletes: number; range: unknown }> = {};
    for (const rows of [1_000, 60_000]) {
      const raw = await prepared();
      fake.clearLog();
      const requests: string[] = [];
      const result = await withRedshift(
        raw,
        (c) => c.loadEvents(batches(rows, 1_000)),
        (s) => requests.push(s),
      );
      const operations = fake.requests.map((r) => r.operation);
      calls[rows] = {
        submits: operations.filter((o) => o === 'ExecuteStatement' || o === 'BatchExecuteStatement').length,
        batches: operations.filter((o) => o === 'BatchExecuteStatement').length,
        executes: operations.filter((o) => o === 'ExecuteStatement').length,
        puts: requests.filter((s) => s.startsWith('put s3://')).length,
        deletes: requests.filter((s) => s.startsWith('delete s3://')).length,
        range: result.mergedEventTimeRange,
      };
      expect(operations.filter((o) => o !== 'DescribeStatement')).toEqual(['BatchExecuteStatement']);
      expect(fake.requests.find((r) => r.operation === 'BatchExecuteStatement')).toMatchObject({ executionMode: 'TRANSACTION' });
      expect(fake.requests.find((r) => r.operation === 'BatchExecuteStatement')!.sqls).toHaveLength(6);
    }
    expect(calls[1_000]).toMatchObject({ submits: 1, batches: 1, executes: 0, deletes: 1 });
    expect(calls[60_000]).toMatchObject({ submits: 1, batches: 1, executes: 0, deletes: 1 });
    // More rows, more files (each ≥ 16 MB of JSON before the next opens) — never more statements.
    expect(calls[1_000]!.puts).toBe(2);
    expect(calls[60_000]!.puts).toBeGreaterThan(2);
    expect(calls[1_000]!.range).toEqual({ from: '2026-11-26T10:00:00.000000Z', to: '2026-11-26T10:16:39.911081Z' });
  });

  it('sends exactly the SQL and S3 requests pinned in the golden file', async () => {
    const raw = { ...base(), schema: 'golden' };
    const statements: string[] = [];
    const rows = [contractEvent(1), { ...contractEvent(2), event_type: '' }, tombstoneOf(contractEvent(3), '2026-11-27T00:00:00.000000Z')];
    await withRedshift(
      raw,
      async (c) => {
        await c.ensureTables();
        await c.loadEvents(once(rows));
        await c.replaceDefinitions({
          event_definitions: [contractDefinition('ev-1')],
          page_definitions: [],
          element_definitions: [contractDefinition('el-1'), contractDefinition('el-2')],
        });
      },
      (s) => statements.push(s),
    );
    const file = fileURLToPath(new URL('./golden/redshift/sync.sql', import.meta.url));
    // The bucket and the load's folder (time and random id) differ on every run.
    const actual =
      statements
        .join(';\n\n')
        .replaceAll(bucket, '<bucket>')
        .replace(/\/golden\/\d{8}T\d{9}Z-[0-9a-f]{8}\//g, '/golden/<load>/') + ';\n';
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, actual);
    expect(actual).toBe(await readFile(file, 'utf8'));
  });
});
