/**
 * The Snowflake destination's load path through snowflake-sdk against the fake: gzip CSV files,
 * PUT to the table stage, COPY INTO, the bounded MERGE; the session settings it pins; the real
 * binding threshold. The fake's own COPY rules are checked here too (negative controls), since
 * the plugin's tests are only as strict as they are.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import snowflake from 'snowflake-sdk';
import type { Connection } from 'snowflake-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { contractDefinition, contractEvent, generatedBatches, isoFromEpochMicros } from '@tributary/destination-sdk/testing';
import { EVENT_ROW_COLUMNS, parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { DestinationConnection, EventRow } from '@tributary/destination-sdk';
import snowflakeDestination from '../../plugins/snowflake/index.ts';
import { SNOWFLAKE_FILE_FORMAT } from '../../plugins/snowflake/sql.ts';
import { SnowflakeFake } from '../fakes/snowflake-fake.ts';

let fake: SnowflakeFake;
let schemas = 0;
beforeAll(async () => {
  fake = await SnowflakeFake.start();
});
afterAll(async () => {
  await fake?.close();
});
afterEach(() => fake.clearFaults());

const base = (on: SnowflakeFake = fake) => ({
  account: 'fake',
  username: 'tributary',
  password: 'secret',
  warehouse: 'LOAD_WH',
  database: 'ANALYTICS',
  schema: `st_${(schemas += 1)}`,
  accessUrl: on.accessUrl,
});

async function withConnection<T>(raw: Record<string, unknown>, work: (c: DestinationConnection) => Promise<T>): Promise<T> {
  const connection = await snowflakeDestination.connect(parseDestinationConfig(snowflakeDestination, raw), { logger: silentLogger });
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

async function prepared(overrides: Record<string, unknown> = {}, on: SnowflakeFake = fake) {
  const raw = { ...base(on), ...overrides };
  await withConnection(raw, (c) => c.ensureTables());
  return raw;
}

async function* once(rows: EventRow[]) {
  yield rows;
}

async function failure(promise: Promise<unknown>): Promise<Error & { kind?: string; retryAfterMs?: number }> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as Error & { kind?: string },
  );
}

const micros = (column: string) => `epoch_us(${column})::VARCHAR AS ${column}`;

async function storedEvents(schema: string, on: SnowflakeFake = fake): Promise<EventRow[]> {
  const rows = await on.query(`SELECT event_id, ${micros('event_time')}, ${micros('processed_time')}, device_id::VARCHAR AS device_id,
    session_id::VARCHAR AS session_id, view_id::VARCHAR AS view_id, event_type, event_properties::VARCHAR AS event_properties,
    source_type, source_properties::VARCHAR AS source_properties FROM ${schema}.events ORDER BY event_id, event_time`);
  return rows.map((row) => ({
    ...(row as unknown as EventRow),
    event_time: isoFromEpochMicros(String(row.event_time)),
    processed_time: isoFromEpochMicros(String(row.processed_time)),
  }));
}

async function count(sql: string, on: SnowflakeFake = fake): Promise<number> {
  const [row] = await on.query(`SELECT count(*)::INTEGER AS n FROM ${sql}`);
  return Number(row?.n);
}

/** A raw snowflake-sdk session on the fake, for the negative controls. */
async function sdkSession(options: { schema?: string; on?: SnowflakeFake } = {}) {
  const on = options.on ?? fake;
  const connection: Connection = snowflake.createConnection({
    account: 'fake',
    username: 'tributary',
    password: 'secret',
    accessUrl: on.accessUrl,
    ...(options.schema ? { schema: options.schema } : {}),
  });
  await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
  const run = (sqlText: string, binds?: unknown[]) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) =>
      connection.execute({
        sqlText,
        ...(binds ? { binds: binds as never } : {}),
        complete: (err, _s, rows) => (err ? reject(err) : resolve((rows ?? []) as Record<string, unknown>[])),
      }),
    );
  return { run, close: () => new Promise<void>((resolve) => connection.destroy(() => resolve())) };
}

describe('snowflake staging: files, PUT and COPY INTO', () => {
  it('values with tabs, newlines, backslashes, quotes, \\N, empty strings and NULLs survive the staged files exactly', async () => {
    const raw = await prepared();
    const rows = [
      contractEvent(1, { event_type: '' }),
      contractEvent(2, { event_type: 'a,"b"\n\\c\r\t\\t', source_type: '""', event_properties: JSON.stringify({ text: 'x\\"y,\n\t' }) }),
      contractEvent(3, { event_type: '\\N', source_type: '\\', session_id: null, view_id: null }),
      contractEvent(4, { event_type: 'NULL', source_type: '\\\\N\\n', source_properties: '{}' }),
    ];
    await withConnection(raw, (c) => c.loadEvents(once(rows)));
    const stored = await storedEvents(raw.schema);
    expect(stored.map((row) => [row.event_id, row.event_type, row.source_type, row.session_id])).toEqual(
      rows.map((row) => [row.event_id, row.event_type, row.source_type, row.session_id]),
    );
    expect(stored.map((row) => row.event_time)).toEqual(rows.map((row) => row.event_time));
    expect(JSON.parse(stored[1]!.event_properties!)).toEqual({ text: 'x\\"y,\n\t' });
  });

  it('puts a window of several files in one PUT, loads them with one COPY, and leaves stage and staging empty', async () => {
    const raw = await prepared({ fileSizeMb: 1 });
    fake.clearLog();
    const result = await withConnection(raw, (c) => c.loadEvents(generatedBatches(60_000, 2_500)));
    expect(result).toMatchObject({ rowsStaged: 60_000, rowsMerged: 60_000 });
    const mine = fake.requests.filter((r) => r.sql?.includes(`${raw.schema}.`));
    expect(mine.filter((r) => r.sql!.startsWith('PUT '))).toHaveLength(1);
    const copies = mine.filter((r) => r.sql!.startsWith('COPY INTO'));
    expect(copies).toHaveLength(1);
    expect(copies[0]!.resultRows).toBeGreaterThan(1);
    expect(await count(`${raw.schema}.events`)).toBe(60_000);
    expect(await count(`${raw.schema}.raw_events`)).toBe(0);
    expect((await fake.stages.files()).filter((f) => f.startsWith(raw.schema.toUpperCase()))).toEqual([]);
  });

  it('a failed COPY leaves its files on the stage; the next load removes them and converges', async () => {
    const raw = await prepared();
    fake.inject({
      type: 'error',
      match: /^COPY INTO/,
      code: '000630',
      sqlState: '57014',
      message: 'Statement reached its statement or warehouse timeout of 900 second(s) and was canceled.',
    });
    const err = await failure(withConnection(raw, (c) => c.loadEvents(generatedBatches(100, 100))));
    expect(err.kind).toBe('retryable');
    const stage = async () => (await fake.stages.files()).filter((f) => f.startsWith(`${raw.schema.toUpperCase()}/`));
    expect(await stage()).toHaveLength(1);
    await withConnection(raw, (c) => c.loadEvents(generatedBatches(50, 50)));
    expect(await stage()).toEqual([]);
    expect(await count(`${raw.schema}.events`)).toBe(50);
  });

  it('a row COPY cannot parse fails the load as permanent with Snowflake’s code and changes nothing', async () => {
    const raw = await prepared();
    await withConnection(raw, (c) => c.loadEvents(generatedBatches(10, 10)));
    const bad = [contractEvent(20), contractEvent(21, { event_time: '26/11/2026 10:00:00' })];
    const err = await failure(withConnection(raw, (c) => c.loadEvents(once(bad))));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('100035 (22007)');
    expect(err.message).toContain("Timestamp '26/11/2026 10:00:00' is not recognized");
    expect(await count(`${raw.schema}.events`)).toBe(10);
    expect(await count(`${raw.schema}.raw_events`)).toBe(0);
  });

  it('bounds the merge by the staged event_time range and reports the range', async () => {
    const raw = await prepared();
    const old = contractEvent(1, { event_time: '2020-01-01T00:00:00.000000Z' });
    await withConnection(raw, (c) => c.loadEvents(once([old])));
    // A newer version whose event_time moved, which the host never sends (event_time is fixed
    // per event): the merge does not look at stored rows outside the window, so it inserts.
    const moved = contractEvent(1, { event_time: '2026-11-26T10:00:00.000000Z', processed_time: '2027-01-01T00:00:00.000000Z' });
    const window = [moved, contractEvent(2, { event_time: '2026-11-26T12:30:00.250000Z' })];
    fake.clearLog();
    const result = await withConnection(raw, (c) => c.loadEvents(once(window)));
    expect(result.mergedEventTimeRange).toEqual({ from: '2026-11-26T10:00:00.000000Z', to: '2026-11-26T12:30:00.250000Z' });
    expect((await storedEvents(raw.schema)).map((row) => [row.event_id, row.event_time])).toEqual([
      [old.event_id, old.event_time],
      [moved.event_id, moved.event_time],
      [window[1]!.event_id, window[1]!.event_time],
    ]);
    const merge = fake.requests.find((r) => r.sql?.startsWith('MERGE'));
    expect(merge?.sql).toContain('tgt.event_time BETWEEN');
  });
});

describe('snowflake staging: the fake’s COPY rules (negative controls)', () => {
  async function staged(lines: string, extra = '') {
    const raw = await prepared();
    const folder = await mkdtemp(join(tmpdir(), 'sf-negative-'));
    await writeFile(join(folder, 'f.tsv.zst'), zstdCompressSync(lines));
    const session = await sdkSession();
    const stage = `@${raw.schema}.%raw_events/p/`;
    await session.run(`PUT 'file://${folder}/f.tsv.zst' ${stage} AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = ZSTD`);
    const copy = () => session.run(`COPY INTO ${raw.schema}.raw_events FROM ${stage} FILE_FORMAT = (${SNOWFLAKE_FILE_FORMAT}) ${extra}`);
    return {
      copy,
      raw,
      done: async () => {
        await session.close();
        await rm(folder, { recursive: true, force: true });
      },
    };
  }
  // The plugin's file format: tab-separated, \N for NULL, backslash escapes.
  const good = 'a\t2026-11-26T10:00:00.000000Z\t2026-11-26T10:00:00.000000Z\t1\t\\N\t\\N\tclick\t{}\tweb\t{}\n';

  it('refuses a record with more or fewer fields than the table has columns (ERROR_ON_COLUMN_COUNT_MISMATCH)', async () => {
    for (const lines of [good.replace('\n', '\textra\n'), good + good.replace('\tweb\t{}\n', '\tweb\n')]) {
      const t = await staged(lines);
      try {
        const err = await failure(t.copy());
        expect(err.message).toMatch(/Number of columns in file \(\d+\) does not match that of the corresponding table \(10\)/);
        expect(await count(`${t.raw.schema}.raw_events`)).toBe(0);
      } finally {
        await t.done();
      }
    }
  });

  it('refuses a blank line, which DuckDB would skip and Snowflake fails (SKIP_BLANK_LINES = FALSE), loading nothing', async () => {
    // (A blank first line is refused as a record of one field.)
    for (const [lines, message] of [
      [good + '\n' + good, /a blank line in .*f\.tsv\.zst/],
      [good + good + '\n', /a blank line in .*f\.tsv\.zst/],
      ['\n' + good, /Number of columns in file \(1\)/],
    ] as const) {
      const t = await staged(lines);
      try {
        const err = await failure(t.copy());
        expect(err.message).toMatch(message);
        expect(await count(`${t.raw.schema}.raw_events`)).toBe(0);
      } finally {
        await t.done();
      }
    }
  });

  it('reports the rows each file loaded', async () => {
    const t = await staged(good + good);
    try {
      expect(await t.copy()).toEqual([expect.objectContaining({ status: 'LOADED', rows_parsed: 2, rows_loaded: 2 })]);
    } finally {
      await t.done();
    }
  });

  it('refuses a value its column cannot take, loading nothing (ON_ERROR = ABORT_STATEMENT)', async () => {
    const t = await staged(good + good.replace('\t1\t', '\tone\t'));
    try {
      const err = await failure(t.copy());
      expect((err as { code?: string }).code).toBe('100038');
      expect(await count(`${t.raw.schema}.raw_events`)).toBe(0);
    } finally {
      await t.done();
    }
  });

  it('skips a file it loaded before unless FORCE = TRUE, and keeps files without PURGE', async () => {
    const t = await staged(good);
    try {
      expect((await t.copy())[0]).toMatchObject({ status: 'LOADED', rows_loaded: 1 });
      expect(await t.copy()).toEqual([{ status: 'Copy executed with 0 files processed.' }]);
      expect(await count(`${t.raw.schema}.raw_events`)).toBe(1);
      expect((await fake.stages.files()).filter((f) => f.startsWith(`${t.raw.schema.toUpperCase()}/`))).toHaveLength(1);
    } finally {
      await t.done();
    }
  });
});

describe('snowflake staging: session settings', () => {
  // Account-level defaults an administrator may well have set, each of which would change what
  // an unpinned session's statements mean.
  const hostile = {
    TIMESTAMP_INPUT_FORMAT: 'DD/MM/YYYY HH24:MI:SS',
    TIMEZONE: 'Asia/Tokyo',
    QUOTED_IDENTIFIERS_IGNORE_CASE: 'true',
    AUTOCOMMIT: 'false',
    ERROR_ON_NONDETERMINISTIC_MERGE: 'false',
    STATEMENT_TIMEOUT_IN_SECONDS: '5',
  };

  it('loads and lookup tables parse exactly under hostile account defaults', async () => {
    const own = await SnowflakeFake.start({ accountParameters: hostile });
    try {
      const raw = await prepared({}, own);
      const rows = Array.from({ length: 30 }, (_, i) => contractEvent(i));
      await withConnection(raw, async (c) => {
        await c.loadEvents(once(rows));
        await c.replaceDefinitions({ event_definitions: [contractDefinition('ev-1')], page_definitions: [], element_definitions: [] });
      });
      const stored = await storedEvents(raw.schema, own);
      expect(stored.map((row) => [row.event_id, row.event_time, row.processed_time])).toEqual(
        rows.map((row) => [row.event_id, row.event_time, row.processed_time]),
      );
      const [definition] = await own.query(
        `SELECT ${micros('created_time')}, ${micros('modified_time')} FROM ${raw.schema}.event_definitions`,
      );
      expect([isoFromEpochMicros(String(definition!.created_time)), isoFromEpochMicros(String(definition!.modified_time))]).toEqual([
        contractDefinition('ev-1').created_time,
        contractDefinition('ev-1').modified_time,
      ]);
      expect(own.sessionParameters('tributary')).toMatchObject({
        TIMEZONE: 'UTC',
        TIMESTAMP_INPUT_FORMAT: 'YYYY-MM-DD"T"HH24:MI:SS.FF6"Z"',
        QUOTED_IDENTIFIERS_IGNORE_CASE: 'false',
        AUTOCOMMIT: 'true',
        ERROR_ON_NONDETERMINISTIC_MERGE: 'true',
        STATEMENT_TIMEOUT_IN_SECONDS: '900',
      });
    } finally {
      await own.close();
    }
  });

  it('negative control: an unpinned session parses time text with the account’s TIMESTAMP_INPUT_FORMAT', async () => {
    const own = await SnowflakeFake.start({ accountParameters: hostile });
    const session = await sdkSession({ on: own });
    try {
      const err = await failure(session.run(`SELECT TO_TIMESTAMP_NTZ('2026-11-26T10:00:00.000000Z') AS t`));
      expect(err.message).toContain('is not recognized');
      expect(await session.run(`SELECT TO_TIMESTAMP_NTZ('26/11/2026 10:00:00') IS NOT NULL AS ok`)).toEqual([{ OK: true }]);
    } finally {
      await session.close();
      await own.close();
    }
  });
});

describe('snowflake staging: CLIENT_STAGE_ARRAY_BINDING_THRESHOLD', () => {
  it('a 100,000-row load: no bind past the real threshold, no statement refused, a current schema', async () => {
    const own = await SnowflakeFake.start();
    try {
      const raw = await prepared({}, own);
      own.clearLog();
      await withConnection(raw, (c) => c.loadEvents(generatedBatches(100_000, 5_000)));
      const queries = own.requests.filter((r) => r.kind === 'query');
      expect(queries.filter((r) => r.outcome !== 'ok').map((r) => `${r.errorCode}: ${r.sql?.slice(0, 60)}`)).toEqual([]);
      expect(Math.max(0, ...queries.map((r) => r.bindCount ?? 0))).toBeLessThanOrEqual(65_280);
      expect(new Set(queries.map((r) => r.currentSchema))).toEqual(new Set([raw.schema.toUpperCase()]));
    } finally {
      await own.close();
    }
  });

  it('negative control: an array-bound insert past 65,280 binds goes to the driver’s temporary stage, which a session without a current schema cannot create', async () => {
    const raw = await prepared();
    const session = await sdkSession();
    try {
      fake.clearLog();
      // 6,529 rows × 10 values = 65,290 binds: the old plugin's insert, scaled to just past the threshold.
      const rows = Array.from({ length: 6_529 }, (_, i) => EVENT_ROW_COLUMNS.map((column) => contractEvent(i)[column]));
      await session.run(
        `INSERT INTO ${raw.schema}.raw_events (${EVENT_ROW_COLUMNS.join(', ')}) VALUES (${EVENT_ROW_COLUMNS.map(() => '?').join(', ')})`,
        rows,
      );
      const queries = fake.requests.filter((r) => r.kind === 'query');
      expect(queries[0]!.sql).toMatch(/^CREATE OR REPLACE TEMPORARY STAGE SYSTEM\$BIND /);
      expect(queries[0]!.errorCode).toBe('090106');
      // The driver gives up its stage and falls back to sending the binds inline.
      expect(queries).toHaveLength(2);
      expect(queries.at(-1)).toMatchObject({ outcome: 'ok', bindCount: 65_290 });
      expect(queries.at(-1)!.sql).toMatch(/^INSERT INTO /);
    } finally {
      await session.close();
    }
  });
});
