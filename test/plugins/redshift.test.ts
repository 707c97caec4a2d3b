import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { contractDefinition, contractEvent, generatedBatches, runDestinationContract, tombstoneOf } from '../../plugins/sdk/contract.ts';
import type { StoredDefinitionRow } from '../../plugins/sdk/contract.ts';
import { parseDestinationConfig, silentLogger } from '../../plugins/sdk/index.ts';
import type { DestinationConnection, StoredEventRow } from '../../plugins/sdk/index.ts';
import redshiftDestination from '../../plugins/redshift/index.ts';
import { REDSHIFT_ROWS_PER_INSERT } from '../../plugins/redshift/sql.ts';
import { RedshiftDataFake } from '../fakes/redshift-data-fake.ts';

let fake: RedshiftDataFake;
let schemas = 0;
beforeAll(async () => {
  // Small result pages, so every multi-row read (the column listing) follows NextToken.
  fake = await RedshiftDataFake.start({ pageSize: 10 });
});
afterAll(async () => {
  await fake?.close();
});

const time = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${column}`;

type RedshiftInput = z.input<(typeof redshiftDestination)['config']>;

const base = (): RedshiftInput & { schema: string } => ({
  region: 'us-east-1',
  clusterIdentifier: 'tributary-cluster',
  dbUser: 'tributary',
  database: 'dev',
  accessKeyId: 'AKIAFAKEFAKEFAKE0001',
  secretAccessKey: 'fake-secret',
  schema: `tw_${(schemas += 1)}`,
  endpoint: fake.endpoint,
  pollInitialMs: 2,
  pollMaxMs: 20,
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

runDestinationContract({
  name: 'redshift destination (Data API fake)',
  definition: redshiftDestination,
  config: async () => base(),
  readEvents: async (config) =>
    (await fake.query(`SELECT event_id, ${time('event_time')}, ${time('processed_time')}, ${time('updated_time')},
      device_id::text AS device_id, session_id::text AS session_id, view_id::text AS view_id, event_type,
      event_properties::text AS event_properties, source_type, source_properties::text AS source_properties
      FROM ${config.schema}.events`)) as unknown as StoredEventRow[],
  readStagingCount: async (config) => {
    const [row] = await fake.query(`SELECT count(*)::int AS n FROM ${config.schema}.raw_events`);
    return Number(row?.n);
  },
  readDefinitions: async (config, table) =>
    (await fake.query(`SELECT id, name, description, state, version, rule::text AS rule, ${time('created_time')}, created_by,
      ${time('modified_time')}, modified_by, ${time('updated_time')} FROM ${config.schema}.${table}`)) as unknown as StoredDefinitionRow[],
  // Larger than the 900 rows of one INSERT, so the load spans many.
  largeLoad: { rows: 20_000, batchSize: 5_000 },
  failures: [
    { name: 'an unknown access key', config: () => ({ ...base(), accessKeyId: 'AKIAUNKNOWNUNKNOWN00' }), expect: 'permanent' },
    { name: 'a cluster that does not exist', config: () => ({ ...base(), clusterIdentifier: 'nope' }), expect: 'config' },
    { name: 'a workgroup that does not exist', config: () => ({ ...base(), clusterIdentifier: undefined, dbUser: undefined, workgroupName: 'nope' }), expect: 'config' },
    { name: 'a database that does not exist', config: () => ({ ...base(), database: 'nope' }), expect: 'config' },
    { name: 'nothing listening', config: async () => ({ ...base(), endpoint: `http://127.0.0.1:${await closedPort()}` }), expect: 'retryable' },
  ],
});

// ---------------------------------------------------------------------------------------------
// Beyond the contract: faults, service rules, statement counts and golden SQL.

async function withConnection<T>(raw: Record<string, unknown>, work: (c: DestinationConnection) => Promise<T>, onStatement?: (s: string) => void): Promise<T> {
  const config = parseDestinationConfig(redshiftDestination, raw);
  const connection = await redshiftDestination.connect(config, { logger: silentLogger, onStatement });
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

async function prepared(overrides: Record<string, unknown> = {}) {
  const raw = { ...base(), ...overrides };
  await withConnection(raw, (c) => c.ensureTables());
  return raw;
}

async function failure(promise: Promise<unknown>): Promise<Error & { kind?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as Error & { kind?: string },
  );
}

const batches = (rows: number, size = 5_000) => generatedBatches(rows, size);
async function* once<T>(rows: T[]) {
  yield rows;
}

async function count(schema: string, table: string): Promise<number> {
  const [row] = await fake.query(`SELECT count(*)::int AS n FROM ${schema}.${table}`);
  return Number(row?.n);
}

describe('redshift destination: faults and service rules', () => {
  afterEach(() => fake.clearFaults());

  it('one throttled call is retried by the SDK; persistent throttling is retryable', async () => {
    const raw = await prepared();
    fake.inject({ type: 'throttle', operation: 'ExecuteStatement' });
    expect(await withConnection(raw, (c) => c.loadEvents(batches(10)))).toMatchObject({ rowsMerged: 10 });
    fake.inject({ type: 'throttle', operation: 'DescribeStatement', times: Infinity });
    const err = await failure(withConnection(raw, (c) => c.loadEvents(batches(10))));
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('ThrottlingException: Rate exceeded');
  });

  it('HTTP 500 and dropped connections are retryable', async () => {
    const raw = await prepared();
    fake.inject({ type: 'status', status: 500, operation: 'BatchExecuteStatement', times: Infinity });
    expect((await failure(withConnection(raw, (c) => c.loadEvents(batches(10))))).kind).toBe('retryable');
    fake.clearFaults();
    fake.inject({ type: 'drop', operation: 'DescribeStatement', times: Infinity });
    expect((await failure(withConnection(raw, (c) => c.loadEvents(batches(10))))).kind).toBe('retryable');
    fake.clearFaults();
    await withConnection(raw, (c) => c.loadEvents(batches(10)));
    expect(await count(raw.schema, 'events')).toBe(10);
    expect(await count(raw.schema, 'raw_events')).toBe(0);
  });

  it('a hung call times out and is retried by the SDK', async () => {
    const raw = await prepared({ timeoutSeconds: 1 });
    fake.inject({ type: 'hang', operation: 'DescribeStatement' });
    expect(await withConnection(raw, (c) => c.loadEvents(batches(10)))).toMatchObject({ rowsMerged: 10 });
    expect(fake.requests.some((r) => r.fault === 'hang')).toBe(true);
  });

  it('expired credentials and access denied are permanent', async () => {
    const raw = await prepared();
    fake.inject({ type: 'expired-token' });
    const expired = await failure(withConnection(raw, (c) => c.loadEvents(batches(5))));
    expect(expired.kind).toBe('permanent');
    expect(expired.message).toContain('ExpiredTokenException');
    fake.inject({ type: 'access-denied', operation: 'ExecuteStatement' });
    const denied = await failure(withConnection(raw, (c) => c.loadEvents(batches(5))));
    expect(denied.kind).toBe('permanent');
    expect(denied.message).toContain('not authorized to perform: redshift-data:ExecuteStatement');
  });

  it('a FAILED statement carries Redshift’s error text and is permanent for SQL errors', async () => {
    const raw = await prepared();
    fake.inject({ type: 'fail-statement', match: /^INSERT INTO \S+\.raw_events/, error: 'ERROR: permission denied for relation raw_events' });
    const err = await failure(withConnection(raw, (c) => c.loadEvents(batches(5))));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('ERROR: permission denied for relation raw_events');
  });

  it('a failure in the middle of the merge batch rolls the whole transaction back; retryable; a retry converges', async () => {
    const raw = await prepared();
    await withConnection(raw, (c) => c.loadEvents(batches(40)));
    const snapshot = () => fake.query(`SELECT event_id, event_type, updated_time::text AS u FROM ${raw.schema}.events ORDER BY event_id`);
    const before = await snapshot();
    const newer = Array.from({ length: 60 }, (_, i) => contractEvent(i, { processed_time: '2027-01-01T00:00:00.000000Z', event_type: 'v2' }));
    // Statements 1 and 2 of the batch (dropping unknown tombstones, the DELETE of older rows) run; statement 3 (the INSERT) fails.
    fake.inject({
      type: 'fail-statement',
      operation: 'BatchExecuteStatement',
      match: /^INSERT INTO \S+\.events/,
      error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123456, transactions forming the cycle are: 1, 2 (pid:42)',
    });
    const err = await failure(withConnection(raw, (c) => c.loadEvents(once(newer))));
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('Serializable isolation violation');
    expect(err.message).toContain('statement 3 of 4 in the transaction');
    expect(await snapshot()).toEqual(before);
    expect(await count(raw.schema, 'raw_events')).toBe(60);
    expect(await withConnection(raw, (c) => c.loadEvents(once(newer)))).toMatchObject({ rowsStaged: 60, rowsMerged: 60 });
    const [after] = await fake.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE event_type = 'v2')::int AS v2 FROM ${raw.schema}.events`);
    expect(after).toEqual({ n: 60, v2: 60 });
    expect(await count(raw.schema, 'raw_events')).toBe(0);
  });

  it('polls DescribeStatement until FINISHED and sends the merge as one BatchExecuteStatement', async () => {
    const raw = await prepared();
    fake.clearLog();
    await withConnection(raw, (c) => c.loadEvents(batches(2_000)));
    const operations = fake.requests.map((r) => r.operation);
    expect(operations.filter((o) => o === 'BatchExecuteStatement')).toHaveLength(1);
    expect(operations.filter((o) => o === 'ExecuteStatement')).toHaveLength(1 + Math.ceil(2_000 / REDSHIFT_ROWS_PER_INSERT));
    expect(operations.filter((o) => o === 'DescribeStatement').length).toBeGreaterThanOrEqual(operations.length / 2 - 1);
    const batch = fake.requests.find((r) => r.operation === 'BatchExecuteStatement')!;
    expect(batch.sqls).toHaveLength(4);
  });

  it('the fake enforces the Data API rules: 100 kB of SQL, non-empty parameter values', async () => {
    const client = new RedshiftDataClient({ region: 'us-east-1', endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'x' }, maxAttempts: 1 });
    const target = { ClusterIdentifier: 'tributary-cluster', DbUser: 'tributary', Database: 'dev' };
    await expect(client.send(new ExecuteStatementCommand({ ...target, Sql: `SELECT '${'x'.repeat(100_001)}'` }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot process query string larger than 100kB',
    });
    await expect(client.send(new ExecuteStatementCommand({ ...target, Sql: 'SELECT :a', Parameters: [{ name: 'a', value: '' }] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    client.destroy();
  });

  it('sends a number of statements that depends only on the row count: 2 + ceil(rows / 900)', async () => {
    const counts: Record<number, { statements: number; calls: number }> = {};
    for (const rows of [1_000, 20_000]) {
      const raw = await prepared();
      fake.clearLog();
      let statements = 0;
      await withConnection(raw, (c) => c.loadEvents(batches(rows, 1_000)), () => (statements += 1));
      const submits = fake.requests.filter((r) => r.operation === 'ExecuteStatement' || r.operation === 'BatchExecuteStatement').length;
      counts[rows] = { statements: submits, calls: fake.requests.length };
      // onStatement sees each SQL of the batch: 4 more than the API calls that submit.
      expect(statements).toBe(submits + 3);
    }
    expect(counts[1_000]!.statements).toBe(2 + Math.ceil(1_000 / REDSHIFT_ROWS_PER_INSERT));
    expect(counts[20_000]!.statements).toBe(2 + Math.ceil(20_000 / REDSHIFT_ROWS_PER_INSERT));
  });

  it('sends exactly the SQL pinned in the golden file', async () => {
    const raw = { ...base(), schema: 'golden' };
    const statements: string[] = [];
    const rows = [contractEvent(1), { ...contractEvent(2), event_type: '' }, tombstoneOf(contractEvent(3), '2026-11-27T00:00:00.000000Z')];
    await withConnection(
      raw,
      async (c) => {
        await c.ensureTables();
        await c.loadEvents(once(rows));
        await c.replaceDefinitions({ event_definitions: [contractDefinition('ev-1')], page_definitions: [], element_definitions: [contractDefinition('el-1'), contractDefinition('el-2')] });
      },
      (s) => statements.push(s),
    );
    const file = fileURLToPath(new URL('./golden/redshift/sync.sql', import.meta.url));
    const actual = statements.join(';\n\n') + ';\n';
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, actual);
    expect(actual).toBe(await readFile(file, 'utf8'));
  });
});
