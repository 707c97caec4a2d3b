import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  contractDefinition,
  contractEvent,
  generatedBatches,
  storedDefinitionRowFromMicros,
  storedEventRowFromMicros,
  runDestinationContract,
  tombstoneOf,
} from '@tributary/destination-sdk/testing';
import { parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { DestinationConnection } from '@tributary/destination-sdk';
import snowflakeDestination from '../../plugins/snowflake/index.ts';
import { SnowflakeFake } from '../fakes/snowflake-fake.ts';

let fake: SnowflakeFake;
let schemas = 0;
beforeAll(async () => {
  fake = await SnowflakeFake.start();
});
afterAll(async () => {
  await fake?.close();
});

const micros = (column: string) => `epoch_us(${column})::VARCHAR AS ${column}`;

runDestinationContract({
  name: 'snowflake destination (fake)',
  definition: snowflakeDestination,
  // 1 MB files, so the large load spans several staged files.
  config: async () => ({ ...base(), fileSizeMb: 1 }),
  readEvents: async (config) => {
    const rows = await fake.query(`SELECT event_id, ${micros('event_time')}, ${micros('processed_time')}, ${micros('updated_time')},
      device_id::VARCHAR AS device_id, session_id::VARCHAR AS session_id, view_id::VARCHAR AS view_id, event_type,
      event_properties::VARCHAR AS event_properties, source_type, source_properties::VARCHAR AS source_properties
      FROM ${config.schema}.events`);
    return rows.map(storedEventRowFromMicros);
  },
  readStagingCount: async (config) => {
    const [row] = await fake.query(`SELECT count(*)::INTEGER AS n FROM ${config.schema}.raw_events`);
    return Number(row?.n);
  },
  readDefinitions: async (config, table) => {
    const rows =
      await fake.query(`SELECT id, name, description, state, version, rule::VARCHAR AS rule, ${micros('created_time')}, created_by,
      ${micros('modified_time')}, modified_by, ${micros('updated_time')} FROM ${config.schema}.${table}`);
    return rows.map(storedDefinitionRowFromMicros);
  },
  // About 1.7 MB of gzip CSV: two staged files of 1 MB.
  largeLoad: { rows: 40_000, batchSize: 2_500 },
  failures: [{ name: 'a wrong password', config: () => ({ ...base(), password: 'wrong' }), expect: 'permanent' }],
});

// ---------------------------------------------------------------------------------------------
// Beyond the contract: faults, statement counts and golden SQL. Staging (PUT/COPY, session
// settings, the bind threshold) and sign-in have test files of their own.

const base = () => ({
  account: 'fake',
  username: 'tributary',
  password: 'secret',
  warehouse: 'LOAD_WH',
  database: 'ANALYTICS',
  schema: `tw_${(schemas += 1)}`,
  accessUrl: fake.accessUrl,
});

async function withConnection<T>(
  raw: Record<string, unknown>,
  work: (c: DestinationConnection) => Promise<T>,
  onStatement?: (s: string) => void,
): Promise<T> {
  const config = parseDestinationConfig(snowflakeDestination, raw);
  const connection = await snowflakeDestination.connect(config, { logger: silentLogger, onStatement });
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

async function* batches(rows: number, size = 5_000) {
  yield* generatedBatches(rows, size);
}

async function eventCount(schema: string): Promise<number> {
  const [row] = await fake.query(`SELECT count(*)::INTEGER AS n FROM ${schema}.events`);
  return Number(row?.n);
}

async function stagingCount(schema: string): Promise<number> {
  const [row] = await fake.query(`SELECT count(*)::INTEGER AS n FROM ${schema}.raw_events`);
  return Number(row?.n);
}

describe('snowflake destination: faults and service rules', () => {
  afterEach(() => fake.clearFaults());

  it('a wrong password is permanent and keeps Snowflake’s message', async () => {
    const err = await failure(withConnection({ ...base(), password: 'wrong' }, (c) => c.ensureTables()));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('390100');
    expect(err.message).toContain('Incorrect username or password');
  });

  it('nothing listening is retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(withConnection({ ...base(), accessUrl: `http://127.0.0.1:${port}` }, (c) => c.ensureTables()));
    expect(err.kind).toBe('retryable');
  });

  it('a login answered 503 is retryable', async () => {
    fake.inject({ type: 'status', status: 503, on: 'login', times: Infinity });
    const err = await failure(withConnection(base(), (c) => c.ensureTables()));
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('503');
  });

  it('a SQL compilation error is permanent with code, SQLSTATE and message', async () => {
    const raw = await prepared();
    fake.inject({
      type: 'error',
      match: /^MERGE/,
      code: '001003',
      sqlState: '42000',
      message: "SQL compilation error:\nsyntax error line 1 at position 0 unexpected 'MERGE'.",
    });
    const err = await failure(withConnection(raw, (c) => c.loadEvents(batches(10))));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('001003 (42000)');
    expect(err.message).toContain('syntax error line 1');
    expect(await eventCount(raw.schema)).toBe(0);
  });

  it('one HTTP 500 is retried by the SDK with the same requestId; the statement runs once', async () => {
    const raw = await prepared();
    fake.clearLog();
    fake.inject({ type: 'status', status: 500, match: /^MERGE/ });
    const result = await withConnection(raw, (c) => c.loadEvents(batches(50)));
    expect(result).toMatchObject({ rowsStaged: 50, rowsMerged: 50 });
    const merges = fake.requests.filter((r) => r.kind === 'query' && r.sql?.startsWith('MERGE'));
    expect(merges).toHaveLength(2);
    expect(merges[0]!.fault).toBe('status');
    expect(merges[1]!.requestId).toBe(merges[0]!.requestId);
    expect(fake.statements().filter((s) => s.startsWith('MERGE'))).toHaveLength(1);
  });

  it('a connection dropped after the MERGE ran is resubmitted and answered without running it twice', async () => {
    const raw = await prepared();
    await withConnection(raw, (c) => c.loadEvents(batches(30)));
    fake.clearLog();
    fake.inject({ type: 'drop', when: 'after', match: /^MERGE/ });
    const newer = Array.from({ length: 30 }, (_, i) => contractEvent(i, { processed_time: '2027-01-01T00:00:00.000000Z' }));
    const result = await withConnection(raw, (c) =>
      c.loadEvents(
        (async function* () {
          yield newer;
        })(),
      ),
    );
    expect(result.rowsMerged).toBe(30);
    const merges = fake.requests.filter((r) => r.kind === 'query' && r.sql?.startsWith('MERGE'));
    expect(merges.map((m) => Boolean(m.deduplicated))).toEqual([false, true]);
  });

  it('persistent 429 gives up after timeoutSeconds as retryable, and the next load converges', async () => {
    const raw = await prepared({ timeoutSeconds: 2 });
    fake.inject({ type: 'status', status: 429, match: /^COPY INTO \S+\.raw_events/, times: Infinity });
    const err = await failure(withConnection(raw, (c) => c.loadEvents(batches(100))));
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('within 2 s');
    fake.clearFaults();
    await withConnection(raw, (c) => c.loadEvents(batches(100)));
    expect(await eventCount(raw.schema)).toBe(100);
    expect(await stagingCount(raw.schema)).toBe(0);
  });

  it('a hung request is retryable after timeoutSeconds', async () => {
    const raw = await prepared({ timeoutSeconds: 1 });
    fake.inject({ type: 'hang', match: /^MERGE/, times: Infinity });
    const err = await failure(withConnection(raw, (c) => c.loadEvents(batches(5))));
    expect(err.kind).toBe('retryable');
    expect(await eventCount(raw.schema)).toBe(0);
  });

  it('an expired session token (390112) is renewed by the SDK and the load completes', async () => {
    const raw = await prepared();
    fake.clearLog();
    fake.inject({ type: 'expire-session', match: /^MERGE/ });
    const result = await withConnection(raw, (c) => c.loadEvents(batches(20)));
    expect(result.rowsMerged).toBe(20);
    expect(fake.requests.some((r) => r.kind === 'renew')).toBe(true);
  });

  it('333333 asynchronous answers are polled through getResultUrl', async () => {
    const raw = await prepared();
    fake.clearLog();
    fake.inject({ type: 'async', match: /^MERGE/ });
    const result = await withConnection(raw, (c) => c.loadEvents(batches(20)));
    expect(result.rowsMerged).toBe(20);
    expect(fake.requests.some((r) => r.kind === 'result')).toBe(true);
  });

  it('a failure in the middle of the merge transaction rolls back, is retryable, and a retry converges', async () => {
    const raw = await prepared();
    await withConnection(raw, (c) => c.loadEvents(batches(40)));
    const before = await fake.query(`SELECT event_id, event_type, epoch_us(updated_time) AS u FROM ${raw.schema}.events ORDER BY event_id`);
    const newer = Array.from({ length: 60 }, (_, i) =>
      contractEvent(i, { processed_time: '2027-01-01T00:00:00.000000Z', event_type: 'v2' }),
    );
    const load = () =>
      withConnection(raw, (c) =>
        c.loadEvents(
          (async function* () {
            yield newer;
          })(),
        ),
      );
    // The MERGE has run inside the transaction; the DELETE of staging after it fails.
    fake.inject({
      type: 'error',
      match: ({ sql, inTransaction }) => inTransaction && /^DELETE FROM \S+\.raw_events$/.test(sql),
      code: '000630',
      sqlState: '57014',
      message: 'Statement reached its statement or warehouse timeout of 3,600 second(s) and was canceled.',
    });
    const err = await failure(load());
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('000630 (57014)');
    expect(
      await fake.query(`SELECT event_id, event_type, epoch_us(updated_time) AS u FROM ${raw.schema}.events ORDER BY event_id`),
    ).toEqual(before);
    expect(fake.statements().slice(-1)).toEqual(['ROLLBACK']);
    expect(await load()).toMatchObject({ rowsStaged: 60, rowsMerged: 60 });
    const after = await fake.query(
      `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE event_type = 'v2')::INTEGER AS v2 FROM ${raw.schema}.events`,
    );
    expect(after).toEqual([{ n: 60, v2: 60 }]);
    expect(await stagingCount(raw.schema)).toBe(0);
  });

  it('sends the same statements and round trips for 1,000 and 60,000 rows (several files)', async () => {
    const counts: Record<number, { statements: string[]; requests: number; files: number }> = {};
    // A fake of its own, so no background retry of another test lands in its request log.
    const own = await SnowflakeFake.start();
    try {
      for (const rows of [1_000, 60_000]) {
        const raw = await prepared({ accessUrl: own.accessUrl, fileSizeMb: 1 });
        own.clearLog();
        const statements: string[] = [];
        await withConnection(
          raw,
          (c) => c.loadEvents(batches(rows, 2_500)),
          (s) => statements.push(s),
        );
        const copy = own.requests.find((r) => r.sql?.startsWith('COPY INTO'));
        counts[rows] = { statements: statements.map((s) => s.split(' ')[0]!), requests: own.requests.length, files: copy?.resultRows ?? 0 };
      }
    } finally {
      await own.close();
    }
    expect(counts[1_000]!.statements).toEqual(['login', 'ALTER', 'DELETE', 'REMOVE', 'PUT', 'COPY', 'BEGIN', 'MERGE', 'DELETE', 'COMMIT']);
    expect(counts[60_000]!.statements).toEqual(counts[1_000]!.statements);
    expect(counts[60_000]!.requests).toBe(counts[1_000]!.requests);
    // The larger window really was several files, loaded by the one COPY.
    expect(counts[1_000]!.files).toBe(1);
    expect(counts[60_000]!.files).toBeGreaterThan(1);
  });

  it('refuses two sign-in choices in the config, and no sign-in when connecting', async () => {
    expect(() => parseDestinationConfig(snowflakeDestination, { ...base(), privateKey: '-----BEGIN PRIVATE KEY-----' })).toThrow(
      /password: give only one of privateKey, programmaticAccessToken, oauthToken, password/,
    );
    expect(() =>
      parseDestinationConfig(snowflakeDestination, { ...base(), password: undefined, oauthToken: 'x', programmaticAccessToken: 'y' }),
    ).toThrow(/oauthToken: give only one of/);
    // Without one the config parses (the host keeps a config whose credential it dropped until it
    // is given again), and connecting says what is missing without sending anything.
    const { password: _p, ...noAuth } = base();
    fake.clearLog();
    const err = await failure(withConnection(noAuth, (c) => c.ensureTables()));
    expect(err.kind).toBe('config');
    expect(err.message).toContain('no sign-in: give one of privateKey, programmaticAccessToken, oauthToken, password');
    expect(fake.requests.filter((r) => r.kind === 'login')).toEqual([]);
  });

  it('sends exactly the SQL pinned in the golden file', async () => {
    const raw = { ...base(), schema: 'golden' };
    const statements: string[] = [];
    const rows = [contractEvent(1), { ...contractEvent(2), event_type: '' }, tombstoneOf(contractEvent(3), '2026-11-27T00:00:00.000000Z')];
    await withConnection(
      raw,
      async (c) => {
        await c.ensureTables();
        await c.loadEvents(
          (async function* () {
            yield rows;
          })(),
        );
        await c.replaceDefinitions({
          event_definitions: [contractDefinition('ev-1')],
          page_definitions: [],
          element_definitions: [contractDefinition('el-1'), contractDefinition('el-2')],
        });
      },
      (s) => statements.push(s),
    );
    // The temporary folder and the stage prefix are new on every load.
    const text = statements
      .join(';\n\n')
      .replace(/file:\/\/[^']*\/\*\.tsv\.zst/g, 'file:///<tmp>/tributary-snowflake-<random>/*.tsv.zst')
      .replace(/%raw_events\/[0-9a-f-]{36}\//g, '%raw_events/<load-uuid>/');
    await golden('snowflake/sync.sql', text + ';\n');
  });
});

async function golden(name: string, actual: string): Promise<void> {
  const file = fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, 'utf8'));
}
